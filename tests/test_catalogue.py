"""The message catalogue is a data file (lib/kequn/lang/catalogue.yaml) read by a loader that
rejects what a Python dict literal let through silently: a key written twice (the later one
won), an entry missing a language, placeholders that differ between zh and en."""

import pytest
from kequn.lang import i18n
from kequn.lang.i18n import CatalogueError, load_catalogue


def _write(tmp_path, text):
    p = tmp_path / "catalogue.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_the_shipped_catalogue_loads_with_both_languages_everywhere():
    cat = load_catalogue()
    assert len(cat) > 1000 and cat is not i18n.CATALOGUE and cat == i18n.CATALOGUE
    assert all(zh and en for zh, en in cat.values())
    assert i18n.t("cav.absent", "zh") == "数据中没有{table}表：依赖它的部分不做。"
    assert i18n.t("cav.absent", "en").startswith("The export has no {table} table:")


def test_a_key_written_twice_is_rejected_with_both_lines(tmp_path):
    p = _write(tmp_path, "a:\n  zh: 甲\n  en: A\nb:\n  zh: 乙\n  en: B\na:\n  zh: 丙\n  en: C\n")
    with pytest.raises(CatalogueError, match=r"catalogue.yaml:7: 'a' again \(first at line 1\)"):
        load_catalogue(p)


def test_placeholders_must_match_between_languages(tmp_path):
    p = _write(tmp_path, "x:\n  zh: 共 {n} 位客户，{cur}\n  en: '{n} customers'\n")
    with pytest.raises(CatalogueError, match=r":1: 'x': placeholders differ.*'cur'"):
        load_catalogue(p)
    ok = _write(tmp_path, "y:\n  zh: 找不到{what_zh}\n  en: '{what_en} not found'\n")
    assert load_catalogue(ok) == {"y": ("找不到{what_zh}", "{what_en} not found")}


def test_every_entry_needs_both_languages(tmp_path):
    p = _write(tmp_path, "x:\n  zh: 只有中文\ny:\n  zh: ''\n  en: empty zh\n")
    with pytest.raises(CatalogueError) as e:
        load_catalogue(p)
    assert ":1: 'x'" in str(e.value) and ":3: 'y'" in str(e.value)  # all problems at once


def test_texts_stay_text(tmp_path):
    """YAML would read a plain ``yes`` as a boolean and ``1.0`` as a number; labels stay as
    written."""
    p = _write(tmp_path, "x:\n  zh: 是\n  en: yes\nz:\n  zh: 1.0\n  en: 1.0\n")
    assert load_catalogue(p) == {"x": ("是", "yes"), "z": ("1.0", "1.0")}
