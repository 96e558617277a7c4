"""Flat stage parameters (``kequn.run.params``): one source of defaults (lib/kequn/run/defaults.yaml)
that the notebooks' parameters cells and config/default.yaml agree with; ``papermill -p k 5``
works; unknown or unusable settings stop a run before intake, told in the run's language."""

import ast
import re
import subprocess
import sys

import nbformat
import pytest
import yaml
from conftest import ROOT
from kequn.data.problems import SettingsError
from kequn.run import config, params

NOTEBOOKS = ROOT / "notebooks"
PY = str(ROOT / ".venv" / "bin" / "python")


def _cell(stage: str):
    nb = nbformat.read(NOTEBOOKS / f"{stage}.ipynb", as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert "parameters" in first.metadata.get("tags", []), stage
    return first.source


@pytest.mark.parametrize("stage", list(params.STAGES))
def test_parameters_cell_agrees_with_the_defaults(stage):
    src = _cell(stage)
    tree = ast.parse(src)
    got = {n.targets[0].id: ast.literal_eval(n.value) for n in tree.body}
    assert all(isinstance(n, ast.Assign) for n in tree.body), "only flat settings, no code"
    assert list(got) == params.stage_names(stage)
    assert got == {n: params.default(n) for n in got}
    lines = src.splitlines()
    for n in got:  # one comment per setting: on its line, or on the line above
        i = next(i for i, line in enumerate(lines) if line.startswith(f"{n} = "))
        assert "  # " in lines[i] or lines[i - 1].startswith(f"# {n}:"), n
    import papermill as pm  # papermill sees every setting (no "=" in a comment)

    assert list(pm.inspect_notebook(str(NOTEBOOKS / f"{stage}.ipynb"))) == list(got)


def test_config_defaults_and_the_users_copy_agree_with_the_package_file():
    assert config.DEFAULTS is params.DEFAULTS
    user = yaml.safe_load((ROOT / "config" / "default.yaml").read_text(encoding="utf-8"))
    flat_user, flat_default = params.flatten(user), params.flatten(params.DEFAULTS)
    assert set(flat_user) == set(flat_default)

    def keys(d, prefix=""):
        out = set()
        for k, v in d.items():
            out.add(prefix + k)
            if isinstance(v, dict):
                out |= keys(v, f"{prefix}{k}.")
        return out

    shaped = {k for k in keys(user) if not k.startswith("clustering.rules.")}
    assert shaped == {k for k in keys(params.DEFAULTS)}
    # the user's copy shows example segment rules; the default is none
    diff = {n for n in flat_user if flat_user[n] != flat_default[n]}
    assert diff <= {"rules"}, diff


def test_flat_names_are_unique_and_map_back():
    assert params.PATHS["k"] == ("clustering", "k")
    assert params.PATHS["new_days"] == ("value", "lifecycle", "new_days")
    nested = params.nest({"k": 5, "new_days": 30, "run": "r"})
    assert nested["clustering"]["k"] == 5 and nested["value"]["lifecycle"]["new_days"] == 30
    assert params.flatten(nested)["k"] == 5 and nested["run"] == "r"
    flat = config.stage_params(config.load_config(None), "d", "p", "r")
    assert params.is_flat(flat) and flat["k"] is None and flat["data_dir"] == "d"


def test_settings_check_names_types_and_values():
    ns = {n: params.default(n) for n in params.stage_names("02_clustering")}
    assert params.settings(ns, "02_clustering").clustering.k is None
    for bad in ({"k": "five"}, {"k": 1}, {"rules": {"x": "monetary >>= 3"}}, {"lang": "fr"}):
        with pytest.raises(SettingsError) as e:
            params.settings({**ns, **bad}, "02_clustering")
        assert e.value.render("zh").startswith("设置有 1 个问题，运行没有开始。")
    assert [p.args["close"] for p in params.check_names(["k_rnage"])] == ["k_range"]


def test_settings_are_typed_values_with_the_defaults_files_fields():
    import dataclasses

    from kequn.data.settings import LifecycleSettings, Settings

    def fields(cls, sub=None):
        return [f.name for f in dataclasses.fields(sub or cls)]

    assert fields(Settings) == list(params.RUN) + list(params.DEFAULTS)
    for section in params.SECTIONS:
        cls = {f.name: f.type for f in dataclasses.fields(Settings)}[section]
        cls = getattr(__import__("kequn.data.settings", fromlist=[cls]), cls)
        assert fields(cls) == list(params.DEFAULTS[section]), section
    assert fields(LifecycleSettings) == list(params.DEFAULTS["value"]["lifecycle"])
    ns = {n: params.default(n) for n in params.stage_names("03_value")}
    s = params.settings({**ns, "risk_days": 60, "seed": 3}, "03_value")
    assert s.value.lifecycle.risk_days == 60 and s.seed == 3 and s.run == ns["run"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.value.horizon_months = 6  # a stage reads its settings, never changes them


def _report(tmp_path, cfg_text: str):
    data = tmp_path / "data"
    data.mkdir()
    (data / "orders.csv").write_text("order_id,customer_id,order_date,amount\n1,C1,2024-05-01,10\n")
    cfg = tmp_path / "c.yaml"
    cfg.write_text(cfg_text, encoding="utf-8")
    r = subprocess.run(
        [PY, "-m", "kequn.run.cli", "report", "notebooks/01_profiling.ipynb", f"--config={cfg}",
         f"--data={data}", "--run=t", f"--processed={tmp_path / 'p'}",
         f"--reports={tmp_path / 'r'}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 2, r.stderr
    assert not (tmp_path / "p" / "t" / "quality.json").exists()  # stopped before intake
    assert not (tmp_path / "r").exists()
    return r.stderr


def test_unknown_setting_in_the_config_stops_before_intake_in_chinese(tmp_path):
    err = _report(tmp_path, "lang: zh\nclustering:\n  k_rnage: [3, 6]\n")
    assert "设置有 1 个问题，运行没有开始。" in err and "clustering.k_rnage" in err
    assert "k_range" in err and "Traceback" not in err


def test_bad_rule_in_the_config_stops_before_intake_in_chinese(tmp_path):
    err = _report(tmp_path, 'lang: zh\nclustering:\n  rules: {高消费: "monetary >>= 3000"}\n')
    assert "设置有 1 个问题，运行没有开始。" in err and "高消费" in err and "Traceback" not in err


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory):
    from kequn.demo.synth import generate, write

    root = tmp_path_factory.mktemp("flat")
    write(generate(1500, seed=3), root / "demo")
    return root


def _papermill(stage, out, *args):
    return subprocess.run(
        [str(ROOT / ".venv" / "bin" / "papermill"), f"{stage}.ipynb", str(out), "-k", "kequn",
         "--no-progress-bar", *args],
        cwd=NOTEBOOKS, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def _where(root, reid):
    return ["-p", "data_dir", str(root / "demo"), "-p", "processed_dir", str(root / "p"),
            "-p", "run", "t", "-p", "salt", "test", "-p", "reid_dir", str(reid)]  # fmt: skip


@pytest.mark.parametrize(
    "stage, args, said",
    [
        ("01_profiling", ["-p", "k_rnage", "[3, 6]"], "未知的参数“k_rnage”"),
        ("02_clustering", ["-y", "rules: {x: 'monetary >>= 3'}"], "“x”"),
        ("02_clustering", ["-p", "k", "five"], "“k”"),
    ],
)
def test_unknown_or_bad_parameter_stops_the_notebook_before_intake(
    small_demo, tmp_path, stage, args, said
):
    r = _papermill(stage, tmp_path / "o.ipynb", *_where(tmp_path, tmp_path / "reid"),
                   "-p", "data_dir", str(small_demo / "demo"), *args)  # fmt: skip
    assert r.returncode != 0
    out = nbformat.read(tmp_path / "o.ipynb", as_version=4)
    shown = "".join(
        o.get("text", "") + "".join(o.get("traceback", []))
        for c in out.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )
    assert "设置有 1 个问题，运行没有开始。" in shown and said in shown, shown[-2000:]
    assert not (tmp_path / "p").exists()  # nothing read or written: intake never ran


@pytest.mark.slow
def test_papermill_p_k_5_gives_5_segments(small_demo, tmp_path):
    """Stage 02 alone (it reads intake's tables and the feature table, which it makes itself
    when no stage before it has)."""
    reid = tmp_path / "reid"
    r = _papermill(
        "02_clustering", tmp_path / "02.ipynb", *_where(small_demo, reid),
        "-p", "k", "5", "-p", "bootstrap", "3",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    import pandas as pd

    seg = pd.read_parquet(small_demo / "p" / "segments.parquet")
    assert seg["segment"].nunique() == 5


def test_cli_params_writes_flat_names(tmp_path):
    out = tmp_path / "params.yaml"
    r = subprocess.run(
        [PY, "-m", "kequn.run.cli", "params", "--data", "data/demo", "--processed", str(tmp_path),
         "--run", "t", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    p = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert p["k"] is None and p["new_days"] == 90 and "clustering" not in p
    assert set(p) == set(params.ALL)


def test_checking_every_stages_settings_imports_no_model_library(tmp_path):
    """`make report` checks every stage's settings (segment rules included) before it starts
    its kernels: with the stage modules imported for that, scikit-learn, scipy and statsmodels
    cost the run ~2.7 s before any work (``kequn.models.settings_rules``)."""
    cfg = tmp_path / "config.yaml"
    cfg.write_text("clustering:\n  rules: {VIP: 'monetary >= 3000 and recency_days <= 90'}\n")
    r = subprocess.run(
        [PY, "-X", "importtime", "-m", "kequn.run.cli", "params", "--config", str(cfg),
         "--data", "data/demo", "--processed", str(tmp_path), "--run", "t",
         "--out", str(tmp_path / "p.yaml")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    imported = set(re.findall(r"^import time:.*\|\s+(\S+)$", r.stderr, re.M))
    assert "kequn.models.settings_rules" in imported and "kequn.models.rule_expr" in imported
    heavy = {"sklearn", "scipy", "statsmodels", "matplotlib", "kequn.stages.clustering"}
    assert not heavy & imported, sorted(heavy & imported)
    # and a bad value is still named: the rules did run
    cfg.write_text("clustering:\n  k_range: [5, 3]\n")
    r = subprocess.run(
        [PY, "-m", "kequn.run.cli", "params", "--config", str(cfg), "--data", "data/demo",
         "--processed", str(tmp_path), "--run", "t", "--out", str(tmp_path / "p.yaml")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode != 0 and "clustering.k_range" in r.stdout + r.stderr, r.stderr[-2000:]


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
