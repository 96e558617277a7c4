"""Command line used by the Makefile: ``python -m kequn.run.cli <command>``.

- ``params``: write a run's papermill parameters (YAML) from the config file.
- ``intake``: run intake; user mistakes print a clear message and exit 2, no traceback.
- ``stage``: execute one stage notebook with papermill on the ``kequn`` kernel, atomically.
- ``run``: execute a run's stale stage notebooks on one kernel, render each, write the index.
- ``report``: all of a run (what ``make report`` calls): params, intake when its inputs changed
  (data files, column map, config, library), the stale stages, the index and ``latest``. Paths
  come as plain arguments, so folders and run names with spaces work; the run name is checked.
- ``latest``: point ``reports/latest`` at a finished run (``make report`` with nothing to redo).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from kequn.data.paths import RunFolder
from kequn.data.problems import InputError


def _config_lang(config) -> str:
    """The config's ``lang`` as written, so problems with the config itself are told in it."""
    from kequn.data.paths import resolve

    try:
        lang = (yaml.safe_load(resolve(config).read_text(encoding="utf-8")) or {}).get("lang")
    except Exception:  # unreadable: load_config says why
        return "zh"
    return lang if lang in ("zh", "en") else "zh"


def _make_params(a, config, data, processed, run, check: bool = True) -> dict:
    """A run's settings by config section (the run folder's ``params.yaml``), every stage's
    settings checked unless ``check`` is false (``a.lang`` set)."""
    from kequn.data.problems import SettingsError
    from kequn.run.config import load_config, run_settings
    from kequn.run.params import check_values

    a.lang = _config_lang(config) if config else "zh"
    cfg = load_config(config)
    a.lang = cfg["lang"]
    from kequn.run.config import check_config_paths

    check_config_paths(cfg, config, data)
    if check:  # every stage's settings, before any work
        problems = check_values(cfg, where=Path(config).name if config else "config")
        if problems:
            raise SettingsError(problems)
    return run_settings(cfg, data, processed, run)


def _params(a) -> int:
    """The flat parameters papermill takes (``papermill -f``), one name per setting."""
    from kequn.run.params import flatten

    p = flatten(_make_params(a, a.config, a.data, a.processed, a.run))
    from kequn.data.files import write_text_atomic

    write_text_atomic(yaml.safe_dump(p, allow_unicode=True, sort_keys=False), a.out)
    return 0


def _intake(a) -> int:
    from kequn.data.run_folder import intake_from_params
    from kequn.run.params import is_flat, nest

    p = yaml.safe_load(Path(a.params).read_text(encoding="utf-8"))
    p = nest(p) if is_flat(p) else p  # flat parameters (kequn.run.cli params) or a run's sections
    a.lang = p.get("lang", "en")  # problems are told in the run's report language
    _print_intake(intake_from_params(**p))
    return 0


def _print_intake(q: dict) -> None:
    cleaned = sum(c["rows"] for c in q["cleaning"] if c["rule"] != "pii_columns_dropped")
    print(
        f"intake: {', '.join(f'{k} {v:,}' for k, v in q['rows_clean'].items())} rows kept; "
        f"{len(q['cleaning'])} cleaning rules touched {cleaned:,} rows; as of {q['as_of']}"
    )


def _stage(a) -> int:
    from kequn.run.runner import StageFailed, execute

    params = yaml.safe_load(Path(a.params).read_text(encoding="utf-8"))
    try:
        execute(Path(a.notebook), Path(a.output), params)
    except StageFailed as e:
        print(e, file=sys.stderr)
        return 1
    return 0


def _run(a) -> int:
    """The stale stages of a run on one kernel, each rendered as it finishes, then the index."""
    from kequn.run.config import check_run_name

    return _run_stages(
        [Path(n) for n in a.notebooks],
        Path(a.params),
        Path(a.reports),
        check_run_name(a.run),
        Path(a.processed),
    )


# The stage each action list comes from (``kequn.data.crm``): a list is written as soon as its
# stage has finished, in this (otherwise waiting) process while the kernel goes on with the
# stages after it, which change nothing it reads. At 1M customers the lists took ~20 s, 13 s
# of them stage 04's 751k-row list: written beside the summary (7–11 s), they ran past its end.
LIST_SOURCES = {
    "winback": "03_value",
    "key_care": "03_value",
    "category_targets": "04_needs",
    "complaint_followup": "05_feedback",
}
# lists are written only in a run whose summary runs too (always, when anything changed:
# it reads every stage); otherwise ``publish_run`` writes them all at the end, as before
LISTS_WITH = "06_summary"


def _run_stages(
    notebooks: list[Path],
    params_file: Path,
    reports: Path,
    run: str,
    processed: Path,
    km=None,
    km2=None,
    kernels: int | None = None,
) -> int:
    """Run the stale stages into a staging folder that replaces ``reports/<run>`` in one rename
    only when every stage and the index succeeded; a failed or killed run leaves the previous
    ``reports/<run>`` and ``latest`` as they were (pages of unchanged stages are carried over).
    ``km`` (and ``km2``): kernels already started (``runner.start_kernel``), used and shut
    down. The stages run on ``kernels`` kernels (None: ``runner.kernels_for``)."""
    import json
    import shutil
    import time

    from kequn.run.runner import kernels_for, library_mtime, stale, stop_kernel

    params = yaml.safe_load(params_file.read_text(encoding="utf-8"))
    quality = RunFolder(processed).quality
    inputs = max(params_file.stat().st_mtime, quality.stat().st_mtime, library_mtime())
    todo = stale(notebooks, reports / run, inputs)
    if not todo and (reports / run / "index.html").exists():
        from kequn.run.latest import point_latest

        stop_kernel(km)
        stop_kernel(km2)
        point_latest(reports, run)
        print(f"  0 of {len(notebooks)} stages run: nothing changed")
        return 0
    # only now the heavy imports (papermill, nbconvert, pandas): a run with nothing to redo
    # stops above in a fraction of a second
    from concurrent.futures import ThreadPoolExecutor

    from kequn.data.crm import in_list_order
    from kequn.data.reid import reid_file_of
    from kequn.run.publish import publish_run, render_html, write_run_lists
    from kequn.run.runner import StageFailed, run_stages, staging_dir

    start = time.monotonic()
    stage = staging_dir(reports, run)
    reid_file = reid_file_of(processed, params.get("privacy"))
    lists = []  # the action lists being written (LIST_SOURCES), one call per source stage
    pool = ThreadPoolExecutor(max_workers=1)
    stems = {nb.stem for nb in todo}

    def write_lists_of(stem: str) -> None:
        names = tuple(n for n, source in LIST_SOURCES.items() if source == stem)
        if names and LISTS_WITH in stems:
            lists.append(
                pool.submit(write_run_lists, processed, stage, reid_file, names, params.get("lang"))
            )

    for source in dict.fromkeys(LIST_SOURCES.values()):
        if source not in stems:  # not rerun: its artifacts on disk are this run's
            write_lists_of(source)

    kernels = kernels_for(params) if kernels is None else kernels

    def log(m: str) -> None:  # one write a line: the kernels' threads log side by side
        print(f"  {time.monotonic() - start:5.1f} s  {m}\n", end="", flush=True)

    try:
        if kernels > 1:  # stages 01 and 02 both read the feature table: built once, here
            from kequn.data.run_folder import ensure_features

            log("stages on two kernels side by side (KEQUN_KERNELS=1: one after another)")

            ensure_features(processed, json.loads(quality.read_text(encoding="utf-8")),
                            params.get("profiling"))  # fmt: skip
        run_stages(
            todo,
            stage,
            params,
            render=render_html,
            failed_dir=processed / "failed",
            km=km,
            log=log,
            kernels=kernels,
            km2=km2,
            on_done=write_lists_of,
        )
        publish_run(
            reports,
            run,
            processed,
            staging=stage,
            reid_file=reid_file,
            lists=in_list_order([p for f in lists for p in f.result()]) if lists else None,
        )
    except StageFailed as e:
        print(f"{e}\n  {reports / run} and latest are unchanged", file=sys.stderr)
        return 1
    finally:
        pool.shutdown(wait=True)  # no list still being written into the folder removed next
        shutil.rmtree(stage, ignore_errors=True)
    print(
        f"  {time.monotonic() - start:5.1f} s  {len(todo)} of {len(notebooks)} stages run, "
        "reports written"
    )
    return 0


def _intake_stale(params_file: Path, processed: Path, p: dict) -> bool:
    """Whether intake must run again: no clean tables yet, the params (config) or the library
    are newer than them, or a data file or the column map changed (``intake.stamp``)."""
    from kequn.data.fingerprint import input_fingerprint
    from kequn.data.paths import resolve
    from kequn.data.settings import IntakeSettings
    from kequn.run.runner import library_mtime

    quality, stamp = RunFolder(processed).quality, RunFolder(processed).intake_stamp
    if not quality.exists() or not stamp.exists():
        return True
    if max(params_file.stat().st_mtime, library_mtime()) > quality.stat().st_mtime:
        return True
    intake = IntakeSettings.of(p.get("intake"))
    now = input_fingerprint(
        resolve(p["data_dir"]),
        resolve(p.get("column_map")),
        p.get("as_of"),
        intake.invalid_rows,
        intake.date_format,
        p.get("currency"),
    )
    return stamp.read_text(encoding="utf-8").strip() != now


_PATHS = (("data_dir",), ("processed_dir",), ("column_map",), ("privacy", "salt_file"),
          ("privacy", "reid_dir"))  # fmt: skip


def _where(p: dict) -> dict:
    """``p`` with its file and folder settings as the absolute places they name."""
    from kequn.data.paths import resolve

    out = {k: dict(v) if isinstance(v, dict) else v for k, v in p.items()}
    for keys in _PATHS:
        *outer, key = keys
        d = out[outer[0]] if outer else out
        if isinstance(d, dict) and d.get(key):
            where = resolve(d[key])
            d[key] = str(where.resolve()) if isinstance(where, Path) else where
    return out


def _same_settings(old_text: str, p: dict) -> bool:
    """Whether a run's params file holds the settings ``p``, paths compared by the place they
    name: ``DATA=data/demo`` after ``DATA=$PWD/data/demo`` is the same run, not a new one
    that reruns every stage."""
    old = yaml.safe_load(old_text) or {}
    return _where(old) == _where(p)


def _report(a) -> int:
    """A whole run, deciding itself what is stale (``make report`` calls this)."""
    from kequn.data.files import write_text_atomic
    from kequn.run.config import check_run_name, default_run

    run = check_run_name(a.run or default_run(a.data))
    processed = Path(a.processed) / run
    p = _make_params(a, a.config, a.data, str(processed), run, check=False)
    from kequn.data.reid import check_reid_place, reid_file_of

    # the CRM ids stay out of the processed data and the reports: checked before any work
    check_reid_place(reid_file_of(processed, p.get("privacy")), a.processed, a.reports)
    params_file = RunFolder(processed).params
    text = yaml.safe_dump(p, allow_unicode=True, sort_keys=False)
    if not params_file.exists() or not _same_settings(params_file.read_text(encoding="utf-8"), p):
        _make_params(a, a.config, a.data, str(processed), run)  # every stage's settings checked
        write_text_atomic(text, params_file)  # rewritten only when changed: its time says so
    notebooks = [Path(n) for n in a.notebooks]
    km = km2 = kernels = None
    try:
        if _intake_stale(params_file, processed, p):
            from kequn.data.run_folder import intake_from_params
            from kequn.run.memory import give_back
            from kequn.run.runner import kernels_for, start_kernel

            # new clean tables rerun every stage: their kernels start and import meanwhile
            folder = notebooks[0].resolve().parent if notebooks else None
            kernels = kernels_for(p)
            km = start_kernel(folder, workers=kernels > 1) if folder else None
            km2 = start_kernel(folder) if folder and kernels > 1 else None
            _print_intake(intake_from_params(**p))
            give_back()  # intake's tables, freed, would stay with this process otherwise
        code = _run_stages(
            notebooks, params_file, Path(a.reports), run, processed, km=km, km2=km2, kernels=kernels
        )
    except BaseException:
        from kequn.run.runner import stop_kernel

        stop_kernel(km)
        stop_kernel(km2)
        raise
    if code == 0:
        print(f"report: {Path(a.reports) / run / 'index.html'} (latest -> {run})")
    return code


def _actions(a) -> int:
    """The run's action lists with CRM ids into ``reports/<run>/actions`` (``make actions``)."""
    from kequn.data.crm import write_lists
    from kequn.data.reid import reid_file_of
    from kequn.run.config import check_run_name, default_run

    run = check_run_name(a.run or default_run(a.data))
    processed = Path(a.processed) / run
    params_file = RunFolder(processed).params
    if not params_file.exists():
        print(
            f"kequn actions: no run '{run}' under {a.processed}: run `make report` first",
            file=sys.stderr,
        )
        return 2
    p = yaml.safe_load(params_file.read_text(encoding="utf-8"))
    files = write_lists(
        processed,
        Path(a.reports) / run / "actions",
        reid_file_of(processed, p.get("privacy")),
        p.get("lang", "zh"),
        machine=a.machine,
    )
    for f in files:
        print(f"actions: {f} (+ .xlsx)")
    return 0


def _latest(a) -> int:
    from kequn.run.latest import point_latest

    point_latest(Path(a.reports), a.run)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="kequn")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("params")
    p.add_argument("--config", default="config/default.yaml")
    p.add_argument("--data", required=True)
    p.add_argument("--processed", required=True)
    p.add_argument("--run", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(fn=_params)
    p = sub.add_parser("intake")
    p.add_argument("--params", required=True)
    p.set_defaults(fn=_intake)
    p = sub.add_parser("stage")
    p.add_argument("notebook")
    p.add_argument("output")
    p.add_argument("--params", required=True)
    p.set_defaults(fn=_stage)
    p = sub.add_parser("run")
    p.add_argument("notebooks", nargs="+")
    p.add_argument("--params", required=True)
    p.add_argument("--reports", required=True)
    p.add_argument("--run", required=True)
    p.add_argument("--processed", required=True)
    p.set_defaults(fn=_run)
    p = sub.add_parser("report")
    p.add_argument("notebooks", nargs="+")
    p.add_argument("--config", default="config/default.yaml")
    p.add_argument("--data", required=True)
    p.add_argument("--run", default="", help="default: <data folder>-<yyyymmdd>")
    p.add_argument("--processed", required=True, help="parent folder of the runs' processed data")
    p.add_argument("--reports", required=True)
    p.set_defaults(fn=_report)
    p = sub.add_parser("actions", help="action lists with CRM ids (reports/<run>/actions)")
    p.add_argument("--data", default="", help="names the run when --run is empty, as report does")
    p.add_argument("--run", default="")
    p.add_argument("--processed", required=True)
    p.add_argument("--reports", required=True)
    p.add_argument("--machine", action="store_true", help="stable English column names for scripts")
    p.set_defaults(fn=_actions)
    p = sub.add_parser("latest")
    p.add_argument("--reports", required=True)
    p.add_argument("--run", required=True)
    p.set_defaults(fn=_latest)
    a = ap.parse_args(argv)
    try:
        return a.fn(a)
    except InputError as e:
        print(f"kequn {a.cmd}: {e.render(getattr(a, 'lang', 'en'))}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
