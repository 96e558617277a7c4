"""``reports/latest`` and the list of runs (``reports/index.html``).

``latest`` is a relative symlink replaced atomically (a new link renamed over the old one).
The standard library only: ``make report`` with nothing to redo ends here, and a second's worth
of pandas and nbconvert imports would be most of its time.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from urllib.parse import quote

from kequn.data.files import write_text_atomic
from kequn.lang.i18n import t
from kequn.run.page_shell import page


def runs(reports: Path) -> list[Path]:
    """The finished runs under ``reports`` (a folder with an index page), by name."""
    return sorted(
        (
            p
            for p in reports.iterdir()
            if p.is_dir() and not p.is_symlink() and (p / "index.html").exists()
        ),
        key=lambda p: p.name,
    )


def point_latest(reports: Path, run: str, lang: str | None = None) -> None:
    """Point ``reports/latest`` at a finished run (atomic symlink swap) and list the runs,
    in the run's language unless ``lang`` is given."""
    index = reports / run / "index.html"
    if not index.exists():
        raise FileNotFoundError(f"{reports / run} has no index.html: the run did not finish")
    if lang is None:
        lang = "en" if '<html lang="en"' in index.read_text(encoding="utf-8")[:300] else "zh"
    tmp = reports / f".latest.{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(run, tmp)
    os.replace(tmp, reports / "latest")
    finished = runs(reports)
    lis = "".join(
        f'<li><a href="{href(p.name)}/index.html">{html.escape(p.name)}</a></li>'
        for p in reversed(finished)
    )
    body = f"<h1>{t('index.runs', lang)}</h1><ul>{lis or t('index.none', lang)}</ul>"
    write_text_atomic(page(t("index.runs", lang), body, lang), reports / "index.html")


def href(name: str) -> str:
    """A file or run name as a relative link: percent-encoded, then HTML-escaped."""
    return html.escape(quote(name))
