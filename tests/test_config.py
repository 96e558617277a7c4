"""kequn.config: defaults, the user's YAML, and settings rejected with a message."""

import pytest
from kequn.config import load_config
from kequn.problems import InputError


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
