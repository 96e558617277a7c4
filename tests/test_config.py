"""kequn.run.config: defaults, the user's YAML, and settings rejected with a message."""

import pytest
from kequn.data.problems import InputError
from kequn.run.config import load_config


def test_config_rejects_unknown_settings_and_languages(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("lang: fr\n")
    with pytest.raises(InputError, match="set lang: zh or lang: en"):
        load_config(p)
    p.write_text("langauge: en\n")
    with pytest.raises(InputError, match="unknown setting"):
        load_config(p)
    assert load_config(None)["lang"] == "zh"


def test_config_file_problems_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")
    p = tmp_path / "bad.yaml"
    p.write_text("lang: [zh\n")
    with pytest.raises(InputError, match="not valid YAML"):
        load_config(p)
    p.write_text("- zh\n- en\n")
    with pytest.raises(InputError, match="should hold"):
        load_config(p)


def test_config_settings_of_the_wrong_type_are_named(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text('profiling: {top_n: "abc", age_edges: [18, "x"]}\nseed: 3.5\nintake: drop\n')
    with pytest.raises(InputError) as e:
        load_config(p)
    msg = str(e.value)
    for name in ("profiling.top_n", "profiling.age_edges", "seed", "intake"):
        assert f"setting '{name}'" in msg, name
    p.write_text("profiling: {top_n: 5}\nas_of: 2026-01-31\n")
    assert load_config(p)["profiling"]["top_n"] == 5


def test_paths_a_config_names_stay_in_the_project_its_folder_or_the_data_folder(tmp_path, capsys):
    """A config handed over by someone else cannot make Kequn read /etc/passwd as a column
    map or write its salt or re-identification table elsewhere: the run stops before any work,
    naming each setting, never showing a file's content."""
    from kequn.run import cli

    cfg = tmp_path / "cfg" / "c.yaml"
    cfg.parent.mkdir()
    cfg.write_text(
        "lang: zh\ncolumn_map: /etc/passwd\n"
        "privacy: {salt: s, salt_file: /tmp/elsewhere/.salt, reid_dir: ../../../../tmp/reid}\n"
    )
    data = tmp_path / "data"
    data.mkdir()
    out = tmp_path / "p"
    code = cli.main(["params", "--config", str(cfg), "--data", str(data), "--processed", str(out),
                     "--run", "r", "--out", str(out / "params.yaml")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    for setting in ("column_map", "privacy.salt_file", "privacy.reid_dir"):
        assert f"设置 {setting}" in err, setting
    assert "root:" not in err and "Traceback" not in err
    # a column map beside the config, or in the data folder, is fine
    (cfg.parent / "map.yaml").write_text("orders: {order_id: 单号}\n")
    cfg.write_text(f"lang: zh\ncolumn_map: {cfg.parent / 'map.yaml'}\nprivacy: {{salt: s}}\n")
    code = cli.main(["params", "--config", str(cfg), "--data", str(data), "--processed", str(out),
                     "--run", "r", "--out", str(out / "params.yaml")])  # fmt: skip
    assert code == 0 and (out / "params.yaml").exists()


def test_example_column_maps_point_to_the_test_data_not_outside_the_repository():
    """The example maps say where their data are: tests/data files that exist (and
    tests/data/SOURCE.md for where those came from), never a folder outside the checkout."""
    import re

    from conftest import ROOT

    for p in sorted((ROOT / "config" / "columns").glob("*.yaml")):
        text = p.read_text(encoding="utf-8")
        assert "shared/data" not in text, p.name
        for name in re.findall(r"tests/data/[\w./-]+\w", text):
            assert (ROOT / name).exists(), (p.name, name)
    ta_feng = (ROOT / "config" / "columns" / "ta_feng_grocery.yaml").read_text(encoding="utf-8")
    assert "tests/data/ta_feng_2000members.csv.gz" in ta_feng and "tests/data/SOURCE.md" in ta_feng
