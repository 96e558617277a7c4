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


def make(tmp: Path, data, run: str, *extra) -> subprocess.CompletedProcess:
    """`make report` on ``data`` with ``tmp/config.yaml`` (written with `lang: en` and a fixed
    salt when absent); processed data and reports go under ``tmp``."""
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
        env={**os.environ, "MAKEFLAGS": ""},
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
