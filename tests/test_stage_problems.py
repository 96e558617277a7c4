"""A problem raised inside a stage notebook (an InputError from the library: a bad setting, too
few customers) reaches the user in the run's language, as one message without a traceback —
on the shared kernel of `kequn.run.cli run` and on a kernel of its own (`kequn.run.cli stage`)."""

import subprocess

import nbformat
import pytest
import yaml
from conftest import ROOT
from kequn.run.runner import StageFailed, execute, run_stages

RAISES = (
    "from kequn.data.problems import tell_in\ntell_in(lang)\n"
    "from kequn.data.problems import InputError, Problem\n"
    "raise InputError([Problem.of('bad_setting', 'config', name='clustering.k', value=1, rule='2–30')])"
)


def _nb(path, *cells):
    nb = nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "kequn", "language": "python", "display_name": "k"}}
    )
    p = nbformat.v4.new_code_cell('lang = "zh"')
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p] + [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)
    return path


def test_input_error_in_a_stage_is_told_in_the_run_language_without_a_traceback(tmp_path):
    src = tmp_path / "nb"
    src.mkdir()
    ok = _nb(src / "01_ok.ipynb", "x = 1")
    bad = _nb(src / "02_bad.ipynb", RAISES)
    with pytest.raises(StageFailed) as e:
        run_stages([ok, bad], tmp_path / "out", {"lang": "zh"})
    msg = str(e.value)
    assert msg.startswith("02_bad: 输入数据有 1 个问题") and "clustering.k" in msg
    assert "Traceback" not in msg and "\x1b[" not in msg and "problem in the input data" not in msg
    with pytest.raises(StageFailed) as e:  # a kernel of its own, English
        execute(bad, tmp_path / "own" / "02_bad.ipynb", {"lang": "en"})
    assert str(e.value).startswith(
        "02_bad: 1 problem in the input data"
    ) and "Traceback" not in str(e.value)


def test_cli_stage_exits_non_zero_with_the_message_only(tmp_path):
    bad = _nb(tmp_path / "03_bad.ipynb", RAISES)
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"lang": "zh"}))
    r = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "python"),
            "-m",
            "kequn.run.cli",
            "stage",
            str(bad),
            str(tmp_path / "out" / "03_bad.ipynb"),
            "--params",
            str(params),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode != 0
    assert (
        "输入数据有 1 个问题" in r.stderr
        and "Traceback" not in r.stderr
        and "InputError" not in r.stderr
    )
