"""Narration in two languages: which notebook cells a reader of a run's page sees.

A stage notebook says why each step is there in markdown cells, written twice side by side: the
Chinese cell tagged ``lang-zh``, the English one tagged ``lang-en`` right after it. An analyst in
JupyterLab reads both before running anything; the stakeholder page of a run shows only the
run's language (``kequn.run.publish.render_html`` drops the other language's cells, as it drops
the cells tagged ``analyst`` and the parameters). A section that shows nothing on a run (its
input is not in the export) is left out of the page together with its narration.

``tests/test_narration.py`` keeps every narration cell paired with its other language.
"""

from __future__ import annotations

from kequn.lang.i18n import LANGS

TAG = "lang-{}"
ALWAYS_HIDDEN = frozenset({"analyst", "parameters", "injected-parameters"})


def tag(lang: str) -> str:
    """The tag of a narration cell in ``lang`` (``lang-zh``, ``lang-en``)."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    return TAG.format(lang)


def hidden_tags(lang: str) -> set[str]:
    """Tags of the cells a reader of a ``lang`` page does not see: analyst notes, parameters
    and the other languages' narration."""
    return set(ALWAYS_HIDDEN) | {tag(other) for other in LANGS if other != lang}


def language_of(cell) -> str | None:
    """The language a cell narrates in (from its ``lang-xx`` tag), None for other cells."""
    tags = cell.get("metadata", {}).get("tags", [])
    found = [x for x in LANGS if tag(x) in tags]
    return found[0] if len(found) == 1 else None


def for_reader(cells: list, lang: str) -> list:
    """The cells of a run's page in ``lang``: without the cells tagged with ``hidden_tags``, and
    without the narration of a section that showed nothing (its code cell, the next cell a
    reader sees, has no output: an input the export lacks, such as a Kano survey)."""
    hide = hidden_tags(lang)
    shown = [c for c in cells if not hide & set(c.get("metadata", {}).get("tags", []))]
    return [
        c
        for c, after in zip(shown, shown[1:] + [None])
        if not (
            language_of(c)
            and after is not None
            and after.get("cell_type") == "code"
            and not after.get("outputs")
        )
    ]
