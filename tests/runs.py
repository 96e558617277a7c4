"""Running `make report` as a user does, for the end-to-end tests (test_end_to_end.py,
test_real_exports.py): one run of params → intake → all stage notebooks → pages, in a
temporary folder, with the run's artifacts read back."""

from __future__ import annotations

import json
import os
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
from conftest import ROOT

CODE_MARKERS = re.compile(r'class="[^"]*jp-InputArea-editor|class="highlight hl-ipython3"')


def make(tmp: Path, data, run: str, *extra, env: dict | None = None) -> subprocess.CompletedProcess:
    """`make report` on ``data`` with ``tmp/config.yaml`` (written with `lang: en` and a fixed
    salt when absent); processed data and reports go under ``tmp``; ``env``: more variables."""
    cfg = tmp / "config.yaml"
    if not cfg.exists():
        cfg.write_text("lang: en\nprivacy: {salt: e2e}\n")
    args = [
        "make",
        "--no-print-directory",
        "report",
        f"DATA={data}",
        f"RUN={run}",
        f"CONFIG={cfg}",
        f"PROCESSED={tmp}/processed",
        f"REPORTS={tmp}/reports",
        *extra,
    ]
    return subprocess.run(
        args,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "MAKEFLAGS": "", **(env or {})},
    )


class Run:
    """A finished run's artifacts: ``processed/<run>`` and ``reports/<run>``."""

    def __init__(self, tmp: Path, run: str, result: subprocess.CompletedProcess):
        self.tmp, self.run, self.result = tmp, run, result
        self.processed = tmp / "processed" / run
        self.reports = tmp / "reports" / run

    def json(self, name: str) -> dict:
        return json.loads((self.processed / name).read_text(encoding="utf-8"))

    def clean(self, table: str) -> pd.DataFrame:
        return pd.read_parquet(self.processed / "clean" / f"{table}.parquet")

    def parquet(self, name: str) -> pd.DataFrame:
        return pd.read_parquet(self.processed / name)

    def page(self, name: str) -> str:
        return (self.reports / name).read_text(encoding="utf-8")

    def pages(self) -> dict[str, str]:
        return {p.name: p.read_text(encoding="utf-8") for p in sorted(self.reports.glob("*.html"))}


def run_report(tmp: Path, data, run: str, config: str) -> Run:
    """`make report` with ``config`` (YAML text); fails the caller with the run's own message
    (the end of its output) when the run does not finish."""
    (tmp / "config.yaml").write_text(config)
    r = make(tmp, data, run)
    assert r.returncode == 0, (
        f"make report failed ({r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}"
    )
    return Run(tmp, run, r)


class _Text(HTMLParser):
    """The text a reader sees: no scripts, styles or attributes (image data, ids)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    p = _Text()
    p.feed(html)
    return "\n".join(p.parts)


# --- plain words on a Chinese page (issue 17) ---------------------------------------------------

# Latin words a zh page may show (compared lower-cased). Terms Chinese business writing keeps in
# Latin letters and the pages explain in one line: NPS (净推荐值), Kano (the Kano model), RFM
# (最近一次购买、购买频次、消费金额). Names the reader knows things by: App, Excel, CSV, CRM and
# Kequn (this tool). File kinds: csv, xlsx, parquet. Everything else is a word to translate.
LATIN_KEPT = {"nps", "kano", "rfm", "app", "excel", "csv", "xlsx", "parquet", "crm", "kequn"}
# The jargon issue 17 names and its kin: never on a zh page, not even when the export happens to
# hold the word (compared as written).
JARGON = {
    "Better",
    "Worse",
    "AUC",
    "MAPE",
    "MAE",
    "alive",
    "Jaccard",
    "HDBSCAN",
    "KMeans",
    "silhouette",
    "NBD",
    "Pareto",
    "Gamma-Gamma",
    "Brier",
    "Hessian",
    "TF-IDF",
    "NMF",
    "BIC",
    "AIC",
    "SLA",
    "CLV",
}
# Not words, removed before looking: file names, snake_case ids (columns, settings), dotted
# settings (value.tier_shares), date patterns (%Y-%m-%d) and citations (author and year).
_FILE = re.compile(r"[\w./-]*\w\.(?:csv|xlsx|parquet|json|yaml|html|gz|zip)\b")
_SNAKE = re.compile(r"[A-Za-z0-9]*_[A-Za-z0-9_]*")
_DOTTED = re.compile(r"\b[a-z_]+(?:\.[a-z_]+)+\b")
_PATTERN = re.compile(r"%[A-Za-z]")
_CITATION = re.compile(
    r"[A-Z][A-Za-z'’-]+(?:\s*(?:&|and|,|、|和)\s*[A-Z][A-Za-z'’-]+)*"
    r"(?:\s*(?:等|et al\.?))?\s*[，,]?\s*\(?(?:19|20)\d\d\b"
)
_WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z'\-]*[A-Za-z](?![A-Za-z0-9])")
NO_ALT = "No description has been provided for this image"


class _Words(_Text):
    """What a reader sees or hears: the visible text without <code> (ids and file names), and
    each image's alternative text (a chart's title, axes, ticks and legend)."""

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code"):
            self._skip += 1
        elif tag == "img":
            self.parts.append(dict(attrs).get("alt") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code") and self._skip:
            self._skip -= 1


_GLOSSARY = re.compile(r"<dl\b[^>]*\bid=['\"]glossary[\w-]*['\"][^>]*>.*?</dl>", re.S)
_ENGLISH = re.compile(r"<span\b[^>]*\blang=['\"]en['\"][^>]*>[^<]*</span>")


def page_words(html: str, english_terms: bool = True) -> str:
    """The visible text of a page without <code>, with every image's alt text; without the
    glossary's English terms (``<span lang='en'>`` inside it) when ``english_terms`` is False."""
    if not english_terms:
        html = _GLOSSARY.sub(lambda m: _ENGLISH.sub(" ", m.group(0)), html)
    p = _Words()
    p.feed(html)
    return "\n".join(p.parts)


def contract_words() -> set[str]:
    """The data contract's table and column names (lower-cased): a page names a missing input
    by them ("反馈表没有类型字段（kind）")."""
    from kequn.data import schema

    out = set(schema.CONTRACT)
    for cols in schema.CONTRACT.values():
        out |= {c.name for c in cols}
    return {name.lower() for name in out if _WORD.fullmatch(name)}  # snake_case names: ids


def export_words(data: Path) -> set[str]:
    """Latin words of an export (its file names, column names and text values, lower-cased):
    what a page quotes from the data — product, country and channel names, customers' English
    texts — is the customers' language, not the report's."""
    out: set[str] = set()
    for p in sorted(Path(data).iterdir()):
        if not p.is_file() or p.name.startswith("."):
            continue
        out |= {w.lower() for w in _WORD.findall(p.name)}
        if p.suffix in (".csv", ".gz"):
            df = pd.read_csv(p, dtype=str, encoding="utf-8-sig")
            text = " ".join(df.columns) + " " + " ".join(df.stack().astype(str).unique())
            out |= {w.lower() for w in _WORD.findall(text)}
    return out


def latin_words(html: str, known: set[str] = frozenset(), ids=()) -> tuple[set[str], set[str]]:
    """(untranslated Latin words, jargon) on a zh page: words outside ``LATIN_KEPT`` and
    ``known`` (the export's words, lower-cased) once ids (``ids``: run name, data folder; file
    names, snake_case and dotted names, date patterns) and citations are taken out; and the
    ``JARGON`` the page shows at all. The glossary's English terms are left out: that is where
    the English term of a Chinese word belongs."""
    text = page_words(html, english_terms=False)
    for s in sorted(ids, key=len, reverse=True):
        text = text.replace(str(s), " ")
    for rx in (_FILE, _DOTTED, _SNAKE, _PATTERN, _CITATION):
        text = rx.sub(" ", text)
    words = set(_WORD.findall(text))
    jargon = {j for j in JARGON if re.search(rf"(?<![A-Za-z]){re.escape(j)}(?![A-Za-z])", text)}
    return {w for w in words if w.lower() not in LATIN_KEPT | set(known)}, jargon


def assert_plain(run, data, extra=()) -> None:
    """No untranslated Latin word and no jargon on any page of the zh ``run`` (``data``: its
    export, whose own words a page may quote; ``extra``: further words allowed, e.g. the
    export's currency code)."""
    known = export_words(data) | contract_words() | set(extra)
    ids = (run.run, str(data))
    found = {}
    for name, html in run.pages().items():
        assert '<html lang="zh' in html, name
        words, jargon = latin_words(html, known, ids)
        if words or jargon:
            found[name] = (sorted(words), sorted(jargon))
    assert not found, found
