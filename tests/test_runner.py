"""kequn.runner: which stages are stale, and all stages on one kernel without leaking state."""
import os

import nbformat
import pytest

from kequn.runner import StageFailed, run_stages, stale


def _nb(path, *cells, parameters="x = 0"):
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "kequn", "language": "python", "display_name": "k"}})
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
    assert [p.stem for p in stale(nbs, out, 2500)] == ["01", "02", "03", "04"]  # new intake or library: all
    _age(out / "03.ipynb", 1500)  # an output older than the one before it
    assert [p.stem for p in stale(nbs, out, 1500)] == ["03", "04"]


def test_stages_share_a_kernel_but_not_variables_and_stop_at_a_failure(tmp_path):
    src, out = tmp_path / "nb", tmp_path / "out"
    src.mkdir()
    marker = tmp_path / "seen.txt"
    first = _nb(src / "01_a.ipynb", "secret = 41 + x\nimport json")
    second = _nb(src / "02_b.ipynb",
                 f"open({str(marker)!r}, 'w').write(str(x) + ' ' + str('secret' in dir()) + ' ' + str('json' in dir()))")
    third = _nb(src / "03_c.ipynb", "raise ValueError('planted failure')")
    fourth = _nb(src / "04_d.ipynb", f"open({str(marker)!r}, 'w').write('must not run')")
    rendered = []
    with pytest.raises(StageFailed, match="03_c.ipynb failed in cell .*ValueError: planted failure"):
        run_stages([first, second, third, fourth], out, {"x": 1}, render=rendered.append)
    assert marker.read_text() == "1 False False"  # parameters injected; the first stage's names are gone
    assert [p.name for p in rendered] == ["01_a.ipynb", "02_b.ipynb"]
    assert (out / "03_c.failed.ipynb").exists() and not (out / "03_c.ipynb").exists()
    assert not (out / "04_d.ipynb").exists() and not list(out.glob(".*tmp*"))


def test_a_kernel_that_dies_is_named_not_a_traceback(tmp_path):
    src = tmp_path / "nb"
    src.mkdir()
    dies = _nb(src / "01_dies.ipynb", "import os\nos._exit(9)")
    with pytest.raises(StageFailed, match="01_dies.ipynb: the Jupyter kernel died"):
        run_stages([dies], tmp_path / "out", {"x": 1})
    assert not list((tmp_path / "out").glob("*.ipynb"))
