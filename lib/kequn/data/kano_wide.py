"""The wide Kano survey layout, reshaped at intake.

Survey tools export one row per respondent with a functional and a dysfunctional column per
feature (``F1_functional``, ``F1_dysfunctional``, optionally ``F1_importance``; any order,
any separator, Chinese ``F1_正向`` / ``F1_反向`` / ``F1_重要性`` too). Intake reads the
contract's long layout (one row per respondent and feature), so a wide file is reshaped
first; every other column (respondent id, customer id, demographics) is carried along and
mapped as usual, and each long row keeps its respondent's line number for messages.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

_KINDS = {
    "functional": "functional",
    "dysfunctional": "dysfunctional",
    "importance": "importance",
    "正向": "functional",
    "正向问题": "functional",
    "反向": "dysfunctional",
    "反向问题": "dysfunctional",
    "重要性": "importance",
    "重要程度": "importance",
}
# the longer words first, so "dysfunctional" is not read as "functional"
_PAT = re.compile(
    r"^(?P<feature>.+?)[\s_\-.:：]*(?P<kind>dysfunctional|functional|importance|"
    r"反向问题|正向问题|反向|正向|重要性|重要程度)$",
    re.I,
)


def pairs(columns) -> dict[str, dict[str, str]]:
    """Feature → {functional, dysfunctional[, importance]: header} for complete pairs."""
    found: dict[str, dict[str, str]] = {}
    for c in columns:
        m = _PAT.match(str(c).strip())
        if m:
            found.setdefault(m["feature"], {})[_KINDS[m["kind"].lower()]] = c
    return {f: k for f, k in found.items() if {"functional", "dysfunctional"} <= set(k)}


def is_wide(columns) -> bool:
    """True when the headers hold functional/dysfunctional pairs instead of answer columns."""
    return bool(pairs(columns))


def to_long(
    df: pd.DataFrame, lines: np.ndarray, cmap: dict | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per respondent and feature: the carried columns, ``feature``,
    ``functional``, ``dysfunctional`` and ``importance`` (missing when not asked), plus the
    line number of each row. A respondent without an id column is numbered by its line."""
    found = pairs(df.columns)
    used = {h for k in found.values() for h in k.values()}
    carried = [c for c in df.columns if c not in used]
    base = df[carried]
    if not carried:
        base = pd.DataFrame({"respondent_id": pd.Series(lines.astype(str), dtype="string")})
    parts = []
    for feature, k in found.items():
        part = base.copy()
        part["feature"] = feature
        part["functional"] = df[k["functional"]].to_numpy()
        part["dysfunctional"] = df[k["dysfunctional"]].to_numpy()
        part["importance"] = df[k["importance"]].to_numpy() if "importance" in k else None
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    for c in ("feature", "functional", "dysfunctional", "importance"):
        out[c] = out[c].astype("string[pyarrow]")
    lines = np.tile(np.asarray(lines), len(found))
    asked = (
        out["functional"].notna() | out["dysfunctional"].notna()
    ).to_numpy()  # blank pair: not asked
    return out[asked].reset_index(drop=True), lines[asked]
