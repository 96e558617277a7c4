"""One message catalogue for every label and sentence a report shows, in zh and en.

The entries live in ``catalogue.yaml`` beside this module (a data file: translators and
reviewers edit text, not Python). ``load_catalogue`` rejects a key written twice and an entry
whose placeholders differ between its languages (``{n}`` in one, missing in the other; a pair
such as ``{what_zh}`` / ``{what_en}`` counts as one placeholder), naming the line.

``t(key, lang)`` returns the text; ``t`` falls back to the key itself so a missing entry
shows up as an odd word in a report instead of a crash. Data values that the demo
company uses (categories, channels, city tiers) are translated too; users' own values
pass through unchanged.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import yaml

LANGS = ("zh", "en")
FILE = Path(__file__).with_name("catalogue.yaml")


class CatalogueError(ValueError):
    """The catalogue file is malformed: a key twice, an entry without both languages, or
    placeholders that differ between its languages. Names the file, line and key of each."""


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields of ``text``, with a ``_zh`` / ``_en`` ending dropped."""
    try:
        names = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
    except ValueError as e:  # an unbalanced brace
        return {f"<unbalanced brace: {e}>"}
    return {re.sub(r"_(zh|en)$", "", n) for n in names}


def load_catalogue(path: str | Path = FILE) -> dict[str, tuple[str, str]]:
    """``{key: (zh, en)}`` from a catalogue file (``key: {zh: …, en: …}`` per entry).

    Read from the YAML node tree rather than constructed objects, so that a key written twice is
    seen (a YAML mapping would keep the last silently) and every text stays text (``yes`` is
    not a boolean). Raises ``CatalogueError`` listing every problem with its line.
    """
    path = Path(path)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    root = yaml.compose(path.read_text(encoding="utf-8"), Loader=loader)
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise CatalogueError(f"{path.name}: a mapping of keys to {{zh, en}} texts")
    out: dict[str, tuple[str, str]] = {}
    first: dict[str, int] = {}
    problems: list[str] = []
    for key_node, entry in root.value:
        key, line = str(key_node.value), key_node.start_mark.line + 1
        where = f"{path.name}:{line}: {key!r}"
        if key in first:
            problems.append(f"{where} again (first at line {first[key]})")
            continue
        first[key] = line
        texts = (
            {str(k.value): v.value for k, v in entry.value if isinstance(v, yaml.ScalarNode)}
            if isinstance(entry, yaml.MappingNode)
            else {}
        )
        if set(texts) != set(LANGS) or not all(texts.values()):
            problems.append(f"{where}: needs a non-empty text in each of {', '.join(LANGS)}")
            continue
        zh, en = texts["zh"], texts["en"]
        if placeholders(zh) != placeholders(en):
            problems.append(
                f"{where}: placeholders differ: zh {sorted(placeholders(zh))}, "
                f"en {sorted(placeholders(en))}"
            )
        out[key] = (zh, en)
    if problems:
        raise CatalogueError("\n".join(problems))
    return out


CATALOGUE: dict[str, tuple[str, str]] = load_catalogue()


def t(key, lang: str = "zh", cur=None) -> str:
    """Text of ``key`` in ``lang`` (zh or en); unknown keys come back unchanged. ``{cur}`` in
    an entry is the money unit of ``cur`` (a ``currency.Currency``; default: the run's,
    ``currency.active()``): 元 / CNY, 英镑 / GBP, …"""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    pair = CATALOGUE.get(str(key))
    if pair is None:
        return str(key)
    text = pair[0] if lang == "zh" else pair[1]
    if "{cur}" in text:
        from kequn.lang.currency import unit

        text = text.replace("{cur}", unit(lang, cur))
    return text


def expectation(kind: str, lo=None, hi=None, lang: str = "zh", values=None) -> str:
    """What a column of this contract kind should hold, with its range or values if any."""
    text = t(f"expect.{kind}", lang)
    if values:
        text += ("：" if lang == "zh" else ": ") + ", ".join(values)
    if lo is not None and hi is not None:
        text += f" [{lo:g}, {hi:g}]" if lang == "zh" else f" between {lo:g} and {hi:g}"
    return text


def fmt_int(x, lang: str = "zh") -> str:
    return f"{int(round(x)):,}"


def fmt_money(x, lang: str = "zh") -> str:
    """Money for the locale: 万 for large amounts in Chinese, thousands separators in English."""
    if lang == "zh" and abs(x) >= 100_000:
        return f"{x / 10_000:,.1f} 万"
    return f"{x:,.0f}"


def fmt_pct(x, lang: str = "zh", digits: int = 1) -> str:
    """A share as a percentage; "—" when it is missing (never "nan%" on a page)."""
    if x is None or x != x:
        return "—"
    return f"{100 * x:.{digits}f}%"


def fmt_p(p: float) -> str:
    """A p-value as a report reads it: three decimals, "< 0.001" below that, "—" when missing."""
    return "—" if p is None or p != p else ("< 0.001" if p < 0.001 else f"{p:.3f}")
