"""kequn.run.runner: which stages are stale, and all stages on one kernel without leaking state."""

import functools
import os
import shutil
from pathlib import Path

import nbformat
import pytest
from kequn.run.runner import StageFailed, run_stages, stale


def _nb(path, *cells, parameters="x = 0"):
    nb = nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "kequn", "language": "python", "display_name": "k"}}
    )
    p = nbformat.v4.new_code_cell(parameters)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p] + [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)
    return path


def _age(path, t):
    os.utime(path, (t, t))


def test_stale_follows_make_for_a_chain(tmp_path):
    src, out = tmp_path / "nb", tmp_path / "out"
    src.mkdir(), out.mkdir()
    nbs = [_nb(src / f"0{i}.ipynb") for i in range(1, 5)]
    for i, nb in enumerate(nbs):
        _age(nb, 1000 + i)
        for suffix in (".ipynb", ".html"):
            (out / (nb.stem + suffix)).write_text("x")
            _age(out / (nb.stem + suffix), 2000 + i)
    assert stale(nbs, out, inputs_mtime=1500) == []
    _age(nbs[2], 3000)  # the analyst edited stage 3: it and every later stage run again
    assert [p.stem for p in stale(nbs, out, 1500)] == ["03", "04"]
    _age(nbs[2], 1002)
    (out / "02.html").unlink()  # a missing page reruns its stage
    assert [p.stem for p in stale(nbs, out, 1500)] == ["02", "03", "04"]
    (out / "02.html").write_text("x")
    _age(out / "02.html", 2001)
    assert [p.stem for p in stale(nbs, out, 2500)] == [
        "01",
        "02",
        "03",
        "04",
    ]  # new intake or library: all
    _age(out / "03.ipynb", 1500)  # an output older than the one before it
    assert [p.stem for p in stale(nbs, out, 1500)] == ["03", "04"]


def test_stages_share_a_kernel_but_not_variables_and_stop_at_a_failure(tmp_path):
    src, out = tmp_path / "nb", tmp_path / "out"
    src.mkdir()
    marker = tmp_path / "seen.txt"
    first = _nb(src / "01_a.ipynb", "secret = 41 + x\nimport json")
    second = _nb(
        src / "02_b.ipynb",
        f"open({str(marker)!r}, 'w').write(str(x) + ' ' + str('secret' in dir()) + ' ' + str('json' in dir())"
        " + ' ' + str('_give_back' in dir()))",
    )
    third = _nb(src / "03_c.ipynb", "raise ValueError('planted failure')")
    fourth = _nb(src / "04_d.ipynb", f"open({str(marker)!r}, 'w').write('must not run')")
    rendered = tmp_path / "rendered"
    rendered.mkdir()
    with pytest.raises(
        StageFailed, match="03_c.ipynb failed in cell .*ValueError: planted failure"
    ):  # pages are rendered in a process of their own: the render function is picklable
        run_stages([first, second, third, fourth], out, {"x": 1},
                   render=functools.partial(shutil.copy, dst=rendered))  # fmt: skip
    assert (
        marker.read_text() == "1 False False False"
    )  # parameters injected; the first stage's names are gone, and the reset's own
    assert sorted(p.name for p in rendered.iterdir()) == ["01_a.ipynb", "02_b.ipynb"]
    assert (out / "03_c.failed.ipynb").exists() and not (out / "03_c.ipynb").exists()
    assert not (out / "04_d.ipynb").exists() and not list(out.glob(".*tmp*"))


def test_a_kernel_that_dies_is_named_not_a_traceback(tmp_path):
    src = tmp_path / "nb"
    src.mkdir()
    dies = _nb(src / "01_dies.ipynb", "import os\nos._exit(9)")
    with pytest.raises(StageFailed, match="01_dies.ipynb: the Jupyter kernel died"):
        run_stages([dies], tmp_path / "out", {"x": 1})
    assert not list((tmp_path / "out").glob("*.ipynb"))


# --- a run replaces reports/<run> whole, or not at all (kequn.run.cli run / report) -------------

import signal
import subprocess
import sys

import yaml
from conftest import ROOT, tree_digest
from kequn.run import cli


def _stages(src, fail=None, kill=None):
    """Four stage notebooks that print their name and the run's ``version``; ``fail`` raises,
    ``kill`` SIGKILLs the process running the stages (the kernel's parent) mid-stage."""
    src.mkdir(exist_ok=True)
    out = []
    for name in ("01_a", "02_b", "03_c", "04_d"):
        body = f"print('page {name} version', version)"
        if name == fail:
            body = "raise ValueError('planted failure')"
        if name == kill:
            body = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"
        out.append(_nb(src / f"{name}.ipynb", body, parameters="version = 0\nlang = 'en'"))
    return out


def _run_args(tmp_path, nbs, run="r1"):
    return [
        "run",
        *map(str, nbs),
        "--params",
        str(tmp_path / "p" / "params.yaml"),
        "--reports",
        str(tmp_path / "reports"),
        "--run",
        run,
        "--processed",
        str(tmp_path / "p"),
    ]


def _version(tmp_path, v):
    (tmp_path / "p").mkdir(exist_ok=True)
    (tmp_path / "p" / "quality.json").write_text("{}")
    (tmp_path / "p" / "params.yaml").write_text(yaml.safe_dump({"version": v, "lang": "en"}))
    t = 5000 + 100 * v  # newer than every page of the previous version: all stages are stale
    for f in ("params.yaml", "quality.json"):
        _age(tmp_path / "p" / f, t)


def test_a_failed_or_killed_rerun_leaves_the_previous_report_and_latest_intact(tmp_path):
    reports, src = tmp_path / "reports", tmp_path / "nb"
    _version(tmp_path, 1)
    assert cli.main(_run_args(tmp_path, _stages(src))) == 0
    assert os.readlink(reports / "latest") == "r1"
    before = tree_digest(reports / "r1")
    assert {"01_a.html", "04_d.html", "index.html"} <= set(before)
    assert "page 03_c version 1" in (reports / "r1" / "03_c.html").read_text(encoding="utf-8")

    _version(tmp_path, 2)  # new data: every stage reruns; 01 and 02 succeed, then …
    assert cli.main(_run_args(tmp_path, _stages(src, fail="03_c"))) == 1  # … 03 fails
    assert tree_digest(reports / "r1") == before and os.readlink(reports / "latest") == "r1"
    assert (tmp_path / "p" / "failed" / "03_c.failed.ipynb").exists()
    assert cli.main(_run_args(tmp_path, _stages(src, fail="04_d"))) == 1  # … or 04 fails
    assert tree_digest(reports / "r1") == before and os.readlink(reports / "latest") == "r1"
    killed = subprocess.run(
        [sys.executable, "-m", "kequn.run.cli", *_run_args(tmp_path, _stages(src, kill="03_c"))],
        cwd=ROOT,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL  # the run itself was killed in stage 03
    assert tree_digest(reports / "r1") == before and os.readlink(reports / "latest") == "r1"

    assert cli.main(_run_args(tmp_path, _stages(src))) == 0  # a good rerun replaces it whole
    for name in ("01_a", "02_b", "03_c", "04_d"):
        page = (reports / "r1" / f"{name}.html").read_text(encoding="utf-8")
        assert f"page {name} version 2" in page
    assert not [p for p in (reports / ".staging").iterdir()]  # the killed run's staging is gone too


def test_each_action_list_is_written_once_its_stage_has_finished_and_waited_for(
    tmp_path, monkeypatch
):
    """``make report`` writes each action list in its own process as soon as the stage it comes
    from has finished (``cli.LIST_SOURCES``; here 02_b and 03_c stand in for stages 03 and 04,
    and 04_d for the summary), while the kernel runs the stages after it; the index gets them
    in ``crm.LISTS`` order. A list whose stage is not rerun is written from that stage's files
    at once. When a stage fails the run still waits for the lists under way before removing
    its staging folder, and a list whose stage did not finish is not written."""
    import threading
    import time

    from kequn.run import publish

    calls = []

    def lists(processed, rdir, reid_file, names, lang):
        calls.append(
            {
                "names": names,
                "started": time.time(),
                "done": sorted(p.stem for p in rdir.glob("[0-9]*.ipynb")),  # stages finished
                "thread": threading.current_thread() is not threading.main_thread(),
            }
        )
        time.sleep(0.5)  # still writing when the next stage ends
        (rdir / "actions").mkdir(exist_ok=True)
        for n in names:
            (rdir / "actions" / f"{n}.csv").write_text("crm_id\n")
        calls[-1]["finished"] = True
        return [rdir / "actions" / f"{n}.csv" for n in names]

    monkeypatch.setattr(publish, "write_run_lists", lists)
    monkeypatch.setattr(
        cli, "LIST_SOURCES", {"category_targets": "03_c", "winback": "02_b", "key_care": "02_b"}
    )
    monkeypatch.setattr(cli, "LISTS_WITH", "04_d")
    _version(tmp_path, 1)
    src, reports = tmp_path / "nb", tmp_path / "reports"
    nbs = _stages(src)
    assert cli.main(_run_args(tmp_path, nbs)) == 0
    assert [c["names"] for c in calls] == [("winback", "key_care"), ("category_targets",)]
    assert calls[0]["done"] == ["01_a", "02_b"] and calls[1]["done"] == ["01_a", "02_b", "03_c"]
    assert all(c["thread"] and c["finished"] for c in calls)
    last_stage_end = (reports / "r1" / "04_d.ipynb").stat().st_mtime
    assert calls[0]["started"] < last_stage_end  # beside the stages after its own
    index = (reports / "r1" / "index.html").read_text(encoding="utf-8")
    links = [index.index(f"actions/{n}.csv") for n in ("winback", "key_care", "category_targets")]
    assert links == sorted(links)  # crm.LISTS order, not the order written

    calls.clear()
    _age(nbs[3], time.time() + 5)  # only the summary's stand-in is stale: the lists of the
    assert cli.main(_run_args(tmp_path, nbs)) == 0  # others are written from their files
    assert sorted(c["names"] for c in calls) == [("category_targets",), ("winback", "key_care")]

    calls.clear()
    _version(tmp_path, 2)
    assert cli.main(_run_args(tmp_path, _stages(src, fail="03_c"))) == 1
    assert [c["names"] for c in calls] == [("winback", "key_care")]  # 03_c never finished
    assert calls[0]["finished"]  # waited for before the staging folder was removed
    assert not [p for p in (reports / ".staging").iterdir()]


def test_unchanged_stages_are_carried_over_into_the_new_report(tmp_path):
    reports, src = tmp_path / "reports", tmp_path / "nb"
    _version(tmp_path, 1)
    nbs = _stages(src)
    assert cli.main(_run_args(tmp_path, nbs)) == 0
    first = tree_digest(reports / "r1")
    import time

    _age(nbs[3], time.time() + 5)  # the analyst edited stage 04 only
    assert cli.main(_run_args(tmp_path, nbs)) == 0
    now = tree_digest(reports / "r1")
    assert {k: now[k] for k in ("01_a.html", "02_b.html", "03_c.html")} == {
        k: first[k] for k in ("01_a.html", "02_b.html", "03_c.html")
    }
    assert set(now) == set(first) and now["04_d.ipynb"] != first["04_d.ipynb"]


def test_execute_uses_a_temp_name_of_its_own(tmp_path, monkeypatch):
    import papermill as pm
    from kequn.run.runner import execute

    seen = []
    monkeypatch.setattr(
        pm,
        "execute_notebook",
        lambda src, dst, **kw: seen.append(dst) or Path(dst).write_text("{}"),
    )
    nb = _nb(tmp_path / "01.ipynb", "x = 1")
    execute(nb, tmp_path / "out" / "01.ipynb", {})
    execute(nb, tmp_path / "out" / "01.ipynb", {})
    assert len(set(seen)) == 2 and (tmp_path / "out" / "01.ipynb").exists()


@pytest.mark.parametrize(
    "run", ["../..", "a/b", "..", "a\\b", ".hidden", "-x", "latest", " x", "a.b", ""]
)
def test_bad_run_names_are_refused_before_anything_is_written(tmp_path, run):
    from kequn.data.problems import InputError
    from kequn.run.config import check_run_name

    with pytest.raises(InputError, match="run name"):
        check_run_name(run)
    (tmp_path / "d").mkdir()
    code = cli.main(
        [
            "report",
            "nb.ipynb",
            "--data",
            str(tmp_path / "d"),
            f"--run={run or '/'}",
            "--processed",
            str(tmp_path / "p"),
            "--reports",
            str(tmp_path / "r"),
        ]
    )
    assert code == 2 and sorted(os.listdir(tmp_path)) == ["d"]


@pytest.mark.parametrize("run", ["demo-20260101", "客群 春季", "my_run-2", "Ünïcode"])
def test_good_run_names_pass(run):
    from kequn.run.config import check_run_name

    assert check_run_name(run) == run


def test_default_run_name_from_a_folder_with_spaces_and_dots():
    import datetime as dt

    from kequn.run.config import check_run_name, default_run

    run = default_run("/x/my export.v2", dt.date(2026, 1, 2))
    assert run == "my export-v2-20260102" and check_run_name(run)


def test_column_map_files_outside_the_data_folder_are_refused_unread(tmp_path):
    from kequn.data.intake import run_intake
    from kequn.data.problems import InputError

    data = tmp_path / "data"
    data.mkdir()
    secret = tmp_path / "secret.csv"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    (data / "orders.csv").write_text("order_id,customer_id,order_date,amount\nO1,C1,2024-01-01,1\n")
    (data / "link.csv").symlink_to(secret)
    for target in ("../secret.csv", str(secret), "link.csv"):
        cmap = tmp_path / "map.yaml"
        cmap.write_text(yaml.safe_dump({"files": {"customers": target}}))
        with pytest.raises(InputError) as e:
            run_intake(data, tmp_path / "out", column_map=cmap, salt="s")
        text = e.value.render("en") + e.value.render("zh")
        assert "points outside the data folder" in text and "root:" not in text, target
        assert not (tmp_path / "out").exists()


def test_editing_the_column_map_makes_intake_stale(tmp_path):
    import shutil

    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(ROOT / "tests" / "data" / "online_retail_ii_head30k.csv.gz", data)
    cmap = tmp_path / "map.yaml"
    shutil.copy(ROOT / "config" / "columns" / "online_retail_ii.yaml", cmap)
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        yaml.safe_dump({"lang": "en", "privacy": {"salt": "t"}, "column_map": str(cmap)})
    )
    proc = tmp_path / "p"
    assert (
        cli.main(
            [
                "params",
                "--config",
                str(cfg),
                "--data",
                str(data),
                "--processed",
                str(proc),
                "--run",
                "r",
                "--out",
                str(proc / "params.yaml"),
            ]
        )
        == 0
    )
    params = yaml.safe_load((proc / "params.yaml").read_text())
    assert cli._intake_stale(proc / "params.yaml", proc, params)  # never ran
    assert cli.main(["intake", "--params", str(proc / "params.yaml")]) == 0
    assert not cli._intake_stale(proc / "params.yaml", proc, params)
    cmap.write_text(cmap.read_text().replace("region: Country", "region: [Country]") + "\n")
    assert cli._intake_stale(proc / "params.yaml", proc, params)  # the column map changed


def test_make_report_takes_folders_and_run_names_with_spaces(tmp_path):
    data = tmp_path / "my export"
    data.mkdir()
    (data / "orders.csv").write_text("order_id,customer_id,amount\n1,C1,10\n")  # no order_date
    cfg = tmp_path / "my config.yaml"
    cfg.write_text("lang: en\nprivacy: {salt: t}\n")
    r = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "report",
            f"DATA={data}",
            "RUN=my run",
            f"CONFIG={cfg}",
            f"PROCESSED={tmp_path}/pro cessed",
            f"REPORTS={tmp_path}/re ports",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "MAKEFLAGS": ""},
    )
    assert r.returncode != 0, r.stdout + r.stderr
    assert "required column 'order_date' is missing" in r.stderr, r.stdout + r.stderr
    assert "No rule to make target" not in r.stderr and "Traceback" not in r.stderr
    assert (tmp_path / "pro cessed" / "my run" / "params.yaml").exists()


def test_the_same_folders_spelled_relative_or_absolute_are_the_same_run():
    """make report DATA=data/demo after DATA=$PWD/data/demo must not rewrite params.yaml (its
    time makes every stage stale); a different folder or setting must."""
    import yaml
    from kequn.data.paths import project_root
    from kequn.run.cli import _same_settings

    root = project_root()
    rel = {
        "data_dir": "data/demo",
        "processed_dir": "data/processed/x",
        "column_map": None,
        "privacy": {"salt_file": "data/.salt", "reid_dir": "data/.reid"},
        "value": {"horizon_months": 12},
    }
    absolute = {
        **rel,
        "data_dir": str(root / "data" / "demo"),
        "processed_dir": str(root / "data/processed/x"),
        "privacy": {"salt_file": str(root / "data/.salt"), "reid_dir": "data/../data/.reid"},
    }
    assert _same_settings(yaml.safe_dump(absolute), rel)
    assert _same_settings(yaml.safe_dump(rel), absolute)
    assert not _same_settings(yaml.safe_dump(rel), {**rel, "data_dir": "data/demo-messy"})
    assert not _same_settings(yaml.safe_dump(rel), {**rel, "value": {"horizon_months": 6}})
    db = {**rel, "data_dir": "postgresql://me@localhost/crm"}
    assert _same_settings(yaml.safe_dump(db), db)


def _seen_by_a_stage(tmp_path, code: str, seen: str, km=None, stem: str = "01_a"):
    """Run one stage ``stem`` (``code``, then ``seen``'s value written out) with ``run_stages``
    on ``km`` (else a kernel of its own, as make report starts it), and return that value."""
    src, out = tmp_path / "nb", tmp_path / "out"
    src.mkdir(exist_ok=True)
    marker = tmp_path / "seen.txt"
    first = _nb(src / f"{stem}.ipynb", f"{code}\nopen({str(marker)!r}, 'w').write(repr({seen}))")
    run_stages([first], out, {"x": 1}, km=km)
    return eval(marker.read_text())


def test_a_kernel_started_early_has_the_stage_libraries_loaded_and_nothing_in_its_namespace(
    tmp_path,
):
    """make report starts the kernel before intake and has it import the stages meanwhile
    (runner.start_kernel): the first stage must find those modules loaded and its namespace
    as empty as a fresh kernel's (only its parameters)."""
    from kequn.run.runner import start_kernel

    (tmp_path / "nb").mkdir()
    km = start_kernel(tmp_path / "nb")
    names, value, summary = _seen_by_a_stage(
        tmp_path,
        "import sys",
        "(sorted(k for k in dir() if not k.startswith('__') and k not in "
        "('In', 'Out', 'get_ipython', 'exit', 'quit', 'open', 'sys')), "
        "'kequn.stages.value' in sys.modules, 'kequn.stages.summary' in sys.modules)",
        km=km,
    )
    assert value and summary
    assert [n for n in names if not n.startswith("_")] == ["x"]
    assert "_m" not in names
    assert not km.has_kernel  # run_stages shut it down


def test_the_stages_find_the_fits_worker_processes_started_with_their_libraries_loaded(
    tmp_path,
):
    """Before the first stage the runner has the kernel start ``on_cores``' workers and import
    the fits' modules in them (``parallel.warm_workers``, overlapping stage 01): stage 02's
    first k scan runs on those workers, scikit-learn already loaded, instead of starting its own.
    A run without the stages that use them (``runner.NEEDS_WORKERS``) starts none."""
    from kequn.models import parallel

    if parallel.cores() < 2:
        pytest.skip("one core: the fits run in the kernel itself")
    code = (
        "import sys\nfrom kequn.models import parallel\n"
        "warming = len(parallel._warming)\n"
        "loaded = parallel.on_cores(lambda m: m in sys.modules, [('kequn.models.clustering',)] * 4)"
    )
    warming, loaded = _seen_by_a_stage(tmp_path, code, "(warming, loaded)", stem="02_clustering")
    assert warming == 1 and loaded == [True] * 4
    other = tmp_path / "other"
    other.mkdir()
    assert (
        _seen_by_a_stage(other, "from kequn.models import parallel", "len(parallel._warming)") == 0
    )


_WORKERS_ALIVE = (
    "import os\n"
    "def _workers():  # loky worker processes of this kernel\n"
    "    n = 0\n"
    "    for pid in filter(str.isdigit, os.listdir('/proc')):\n"
    "        try:\n"
    "            ppid = int(open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()[1])\n"
    "            cmd = open(f'/proc/{pid}/cmdline').read()\n"
    "        except (OSError, IndexError, ValueError):\n"
    "            continue\n"
    "        n += ppid == os.getpid() and 'popen_loky_posix' in cmd\n"
    "    return n\n"
)


def test_on_one_kernel_the_idle_workers_stop_before_the_stages_that_do_not_use_them(tmp_path):
    """One kernel (the 1M run): the fit workers stay for 02 and 03 and stop before each stage
    after which none of ``runner.NEEDS_WORKERS`` is left (04 was the run's memory peak), instead
    of idling there at ~0.25 GB each; a call in such a stage starts new ones."""
    from kequn.models import parallel

    if parallel.cores() < 2 or not Path("/proc/self/stat").exists():
        pytest.skip("one core or no /proc: no worker processes to stop")
    src, out = tmp_path / "nb", tmp_path / "out"
    src.mkdir()
    seen = tmp_path / "seen.txt"
    use = "parallel.on_cores(abs, [(-1,), (-2,)])"
    nbs = [
        _nb(src / "03_value.ipynb", "from kequn.models import parallel", use, _WORKERS_ALIVE,
            f"open({str(seen)!r}, 'a').write(f'{{_workers()}} ')"),
        _nb(src / "04_needs.ipynb", _WORKERS_ALIVE,
            f"open({str(seen)!r}, 'a').write(f'{{_workers()}} ')",
            "from kequn.models import parallel", use,
            f"open({str(seen)!r}, 'a').write(f'{{_workers()}}')"),
    ]  # fmt: skip
    run_stages(nbs, out, {"x": 1})
    in_03, before_04, after_04 = map(int, seen.read_text().split())
    assert in_03 >= 1 and before_04 == 0 and after_04 >= 1


def test_a_warm_up_that_fails_does_not_stop_the_run(tmp_path, monkeypatch):
    """Starting the workers early is only a head start: if it fails, the stages still run."""
    from kequn.run import runner

    monkeypatch.setattr(runner, "WARM_WORKERS", "raise RuntimeError('no workers today')")
    src, out = tmp_path / "nb", tmp_path / "out"
    src.mkdir()
    first = _nb(src / "01_a.ipynb", "y = x + 1")
    assert run_stages([first], out, {"x": 1}) == [out / "01_a.ipynb"]


def test_memory_freed_by_a_step_goes_back_to_the_system():
    """After intake (in make report's own process) and between stages (in the kernel) the freed
    memory is handed back: Arrow's pool and glibc keep it otherwise (kequn.run.memory)."""
    import gc

    import numpy as np
    import psutil
    import pyarrow as pa
    from kequn.run.memory import give_back

    me = psutil.Process()
    n = 3_000_000
    table = pa.table({"a": pa.array([f"x{i}" for i in range(n)]), "b": np.arange(n)})
    frame = table.to_pandas()
    again = pa.Table.from_pandas(frame)
    del table, frame, again
    gc.collect()
    freed = me.memory_info().rss
    give_back()
    assert freed - me.memory_info().rss > 60 * 2**20, (freed, me.memory_info().rss)


def test_a_run_that_stops_early_does_not_wait_for_the_kernels_warm_up(tmp_path, monkeypatch):
    """make report starts the kernel before intake; when intake stops (a bad export) the
    kernel is shut down at once, not after it has imported every stage library."""
    import time

    from kequn.run import runner

    monkeypatch.setattr(runner, "WARM_UP", "import time\ntime.sleep(60)")
    km = runner.start_kernel(tmp_path)
    time.sleep(3)  # booted, or nearly: the warm-up is under way
    began = time.monotonic()
    runner.stop_kernel(km)
    assert time.monotonic() - began < 20  # the warm-up alone would take 60 s
    assert not km.has_kernel and not [
        t for t in __import__("threading").enumerate() if t.name == "kequn-warm-up"
    ]


# --- stages side by side on two kernels (issue 19) ---------------------------------------


def _stage_names(src, *stems):
    return [_nb(src / f"{s}.ipynb") for s in stems]


def test_what_each_stage_waits_for_follows_the_design_table(tmp_path):
    from kequn.run.runner import waits_for

    nbs = _stage_names(tmp_path, "01_profiling", "02_clustering", "03_value", "04_needs",
                       "05_feedback", "06_summary")  # fmt: skip
    w = waits_for(nbs)
    assert w["01_profiling"] == set() and w["02_clustering"] == set()
    assert w["03_value"] == {"02_clustering"}
    assert w["04_needs"] == w["05_feedback"] == {"02_clustering", "03_value"}
    assert w["06_summary"] == {"01_profiling", "02_clustering", "03_value", "04_needs",
                               "05_feedback"}  # fmt: skip
    # a stage not in the list ran before and is on disk; an analyst's own notebook waits for
    # every stage before it, and every later stage waits for it
    part = waits_for([nbs[2], nbs[4]])
    assert part == {"03_value": set(), "05_feedback": {"03_value"}}
    own = waits_for([nbs[0], nbs[1], _nb(tmp_path / "my_look.ipynb"), nbs[2]])
    assert own["my_look"] == {"01_profiling", "02_clustering"}
    assert own["03_value"] == {"02_clustering", "my_look"}


def test_stages_finished_out_of_order_are_not_stale_and_an_edit_reruns_only_its_readers(
    tmp_path,
):
    src, out = tmp_path / "nb", tmp_path / "out"
    src.mkdir(), out.mkdir()
    stems = ["01_profiling", "02_clustering", "03_value", "04_needs", "05_feedback", "06_summary"]
    nbs = _stage_names(src, *stems)
    # side by side: 02 finished after 01, 04 after 05; 06 last
    finished = {"01_profiling": 2010, "02_clustering": 2020, "03_value": 2030,
                "04_needs": 2050, "05_feedback": 2040, "06_summary": 2060}  # fmt: skip
    for nb in nbs:
        _age(nb, 1000)
        for suffix in (".ipynb", ".html"):
            (out / (nb.stem + suffix)).write_text("x")
            _age(out / (nb.stem + suffix), finished[nb.stem])
    assert stale(nbs, out, inputs_mtime=1500) == []  # a chain's rule would rerun 05 and 06
    _age(nbs[0], 3000)  # the analyst edited stage 01: it and the summary run again, no other
    assert [p.stem for p in stale(nbs, out, 1500)] == ["01_profiling", "06_summary"]
    _age(nbs[0], 1000)
    _age(nbs[2], 3000)  # stage 03: it and every stage reading it
    assert [p.stem for p in stale(nbs, out, 1500)] == stems[2:]
    _age(nbs[2], 1000)
    _age(out / "04_needs.ipynb", 2025)  # older than the value stage it read
    assert [p.stem for p in stale(nbs, out, 1500)] == ["04_needs", "06_summary"]


def _timed(marker_dir, name, seconds=0.0, fail=False):
    """A stage that records when it started and ended (and which kernel ran it)."""
    body = (
        "import os, time\n"
        f"t0 = time.time(); time.sleep({seconds})\n"
        + ("raise ValueError('planted failure')\n" if fail else "")
        + f"open(os.path.join({str(marker_dir)!r}, {name!r}), 'w').write("
        "f'{t0} {time.time()} {os.getpid()}')"
    )
    return body


def _spans(marker_dir):
    out = {}
    for p in marker_dir.iterdir():
        a, b, pid = p.read_text().split()
        out[p.name] = (float(a), float(b), int(pid))
    return out


def test_stages_run_side_by_side_when_their_inputs_are_ready(tmp_path):
    """02 and 04 each wait (up to 60 s) until 01 and 05 have begun: they can only overlap when
    two kernels run them; the order of the rest follows what each stage reads."""
    src, out, marks = tmp_path / "nb", tmp_path / "out", tmp_path / "marks"
    src.mkdir(), marks.mkdir()

    def begun(stem):
        return f"open({str(tmp_path / (stem + '.begun'))!r}, 'w')\n"

    def after_begun(stem):
        return (
            "import os, time\nt = time.time()\n"
            f"while not os.path.exists({str(tmp_path / (stem + '.begun'))!r}) "
            "and time.time() - t < 60: time.sleep(0.05)\n"
        )

    code = {
        "01_profiling": begun("01_profiling") + _timed(marks, "01_profiling", 0.5),
        "02_clustering": after_begun("01_profiling") + _timed(marks, "02_clustering", 0.5),
        "03_value": _timed(marks, "03_value", 0.5),
        "04_needs": after_begun("05_feedback") + _timed(marks, "04_needs", 0.5),
        "05_feedback": begun("05_feedback") + _timed(marks, "05_feedback", 0.5),
        "06_summary": _timed(marks, "06_summary"),
    }
    nbs = [_nb(src / f"{stem}.ipynb", c) for stem, c in code.items()]
    started = []
    done = run_stages(nbs, out, {"x": 1}, kernels=2, on_stage=started.append)
    assert done == [out / nb.name for nb in nbs] and all(p.exists() for p in done)
    s = _spans(marks)
    assert len({pid for *_, pid in s.values()}) == 2  # two kernels
    overlap = lambda a, b: s[a][0] < s[b][1] and s[b][0] < s[a][1]  # noqa: E731
    assert overlap("01_profiling", "02_clustering") and overlap("04_needs", "05_feedback")
    assert s["03_value"][0] >= s["02_clustering"][1]  # 03 reads 02's segments
    assert min(s["04_needs"][0], s["05_feedback"][0]) >= s["03_value"][1]
    assert s["06_summary"][0] >= max(e for n, (_, e, _) in s.items() if n != "06_summary")
    # the first kernel took the stage holding up the longest chain: 02 before 01
    assert started[0] == "02_clustering" and sorted(started) == sorted(code)


def test_a_failure_side_by_side_stops_every_later_stage_and_is_raised(tmp_path):
    src, out, marks = tmp_path / "nb", tmp_path / "out", tmp_path / "marks"
    src.mkdir(), marks.mkdir()
    begun = tmp_path / "01_begun"
    nbs = [
        _nb(
            src / "01_profiling.ipynb",
            f"open({str(begun)!r}, 'w')\n" + _timed(marks, "01_profiling", 2),
        ),
        _nb(  # fails once stage 01 runs on the other kernel
            src / "02_clustering.ipynb",
            f"import os, time\nwhile not os.path.exists({str(begun)!r}): time.sleep(0.05)\n"
            + _timed(marks, "02_clustering", fail=True),
        ),
        _nb(src / "03_value.ipynb", _timed(marks, "03_value")),
        _nb(src / "06_summary.ipynb", _timed(marks, "06_summary")),
    ]
    with pytest.raises(StageFailed, match="02_clustering.ipynb failed in cell .*planted failure"):
        run_stages(nbs, out, {"x": 1}, kernels=2, failed_dir=tmp_path / "failed")
    assert set(_spans(marks)) == {"01_profiling"}  # the stage already running finished
    assert (tmp_path / "failed" / "02_clustering.failed.ipynb").exists()
    assert not (out / "03_value.ipynb").exists() and not (out / "06_summary.ipynb").exists()


def test_when_the_second_kernel_dies_the_first_runs_its_stage_and_the_rest(tmp_path):
    """Stage 01 kills its kernel the first time it runs (the second kernel, while 02 holds the
    first): the run does not fail; the first kernel runs 01 again, then the rest."""
    src, out, marks = tmp_path / "nb", tmp_path / "out", tmp_path / "marks"
    src.mkdir(), marks.mkdir()
    died = tmp_path / "died"
    dies_once = (
        "import os, signal\n"
        f"if not os.path.exists({str(died)!r}):\n"
        f"    open({str(died)!r}, 'w').write(str(os.getpid()))\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    holds = (  # the first kernel busy until the second has died
        f"import os, time\nwhile not os.path.exists({str(died)!r}): time.sleep(0.05)\n"
    )
    nbs = [
        _nb(src / "01_profiling.ipynb", dies_once + _timed(marks, "01_profiling")),
        _nb(src / "02_clustering.ipynb", holds + _timed(marks, "02_clustering", 1)),
        _nb(src / "03_value.ipynb", _timed(marks, "03_value")),
        _nb(src / "06_summary.ipynb", _timed(marks, "06_summary")),
    ]
    said, started = [], []
    done = run_stages(nbs, out, {"x": 1}, kernels=2, log=said.append, on_stage=started.append)
    assert all(p.exists() for p in done)
    assert sorted(started) == [nb.stem for nb in nbs]  # each stage's start told once
    s = _spans(marks)
    first = s["02_clustering"][2]
    assert int(died.read_text()) != first  # it died on the second kernel …
    assert {pid for *_, pid in s.values()} == {first}  # … and everything ran on the first
    assert s["01_profiling"][0] >= s["02_clustering"][1]  # after 02, in the order of the list
    assert "stage 01_profiling: the second kernel died; the first kernel runs it" in said

    # the last stage dies on the second kernel after the first kernel found nothing left to take
    died.unlink()
    marks2 = tmp_path / "marks2"
    marks2.mkdir()
    after_04 = (
        f"import os, time\nwhile not os.path.exists({str(marks2 / '04_needs')!r}): time.sleep(0.05)\n"
        "time.sleep(0.5)\n"
    )
    nbs = [
        _nb(src / "04_needs.ipynb", _timed(marks2, "04_needs")),
        _nb(src / "05_feedback.ipynb", after_04 + dies_once + _timed(marks2, "05_feedback")),
    ]
    done = run_stages(nbs, out, {"x": 1}, kernels=2, log=said.append)
    assert all(p.exists() for p in done) and set(_spans(marks2)) == {"04_needs", "05_feedback"}


def _state(pid: int) -> str:
    """A process's state letter (Z: ended, not yet reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


def test_the_render_process_ends_with_a_killed_run(tmp_path):
    """A run killed mid-stage (SIGKILL: nothing of it runs after) leaves no render process
    behind: a pool's worker waits for work forever otherwise, holding the run's stdout open."""
    import time

    script = (
        "import os, signal\n"
        "from kequn.run.runner import _render_pool\n"
        "pool = _render_pool()\n"
        "print(pool.submit(os.getpid).result(), flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    printed = tmp_path / "worker.txt"  # a file, not a pipe: a leftover worker would hold it
    with printed.open("w") as out:  # not reaped until the end: a zombie counts as ended too
        run = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=out)
    try:
        deadline = time.monotonic() + 120
        while "Z" not in _state(run.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        worker = int(printed.read_text().split()[0])
        deadline = time.monotonic() + 20
        while Path(f"/proc/{worker}").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        gone = not Path(f"/proc/{worker}").exists()  # while the run is still a zombie
        if not gone:
            os.kill(worker, signal.SIGKILL)
    finally:
        assert run.wait(timeout=60) == -signal.SIGKILL
    assert gone, "the render process outlived the run"


def test_the_second_kernel_runs_behind_the_first(tmp_path):
    """Its session's and each of its threads' niceness is BEHIND higher, so the first kernel
    gets most of a contended core (see runner._behind); this process is left as it was."""
    import os

    from kequn.run.runner import BEHIND, _behind_kernel, _warmed, start_kernel, stop_kernel

    if not Path("/proc/self/autogroup").exists():
        pytest.skip("Linux with autogroups only")
    ours = Path("/proc/self/autogroup").read_text()
    km = start_kernel(tmp_path)
    try:
        _warmed(km)
        pid = km.provisioner.pid
        before = {t.name: os.getpriority(os.PRIO_PROCESS, int(t.name))
                  for t in Path(f"/proc/{pid}/task").iterdir()}  # fmt: skip
        _behind_kernel(km)
        assert Path(f"/proc/{pid}/autogroup").read_text().split()[-1] == str(BEHIND)
        after = {t: os.getpriority(os.PRIO_PROCESS, int(t)) for t in before}
        assert len(before) > 1 and all(after[t] == min(19, before[t] + BEHIND) for t in before)
        # this process's group untouched (some sandboxes show the file empty)
        assert Path("/proc/self/autogroup").read_text() == ours
    finally:
        stop_kernel(km)


def test_how_many_kernels_a_report_runs_on(tmp_path, monkeypatch):
    from kequn.models import parallel
    from kequn.run import runner

    monkeypatch.delenv("KEQUN_KERNELS", raising=False)
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    small = tmp_path / "small"
    small.mkdir()
    (small / "orders.csv").write_bytes(b"x" * 1000)
    assert runner.kernels_for({"data_dir": str(small)}) == 2
    assert runner.kernels_for({"data_dir": str(small), "engine": "spark"}) == 1
    assert runner.kernels_for({"data_dir": "postgresql://u@h/db"}) == 1
    monkeypatch.setattr(runner, "SIDE_BY_SIDE_MAX_BYTES", 999)
    assert runner.kernels_for({"data_dir": str(small)}) == 1  # too big for two at once
    monkeypatch.setenv("KEQUN_KERNELS", "2")
    assert runner.kernels_for({"data_dir": str(small)}) == 2
    monkeypatch.setenv("KEQUN_KERNELS", "1")
    monkeypatch.setattr(runner, "SIDE_BY_SIDE_MAX_BYTES", 10**9)
    assert runner.kernels_for({"data_dir": str(small)}) == 1
    monkeypatch.delenv("KEQUN_KERNELS")
    monkeypatch.setattr(parallel, "cores", lambda: 1)
    assert runner.kernels_for({"data_dir": str(small)}) == 1
