"""Action lists a CRM can load: the customer's own CRM id, the action, the reason in words,
the figures behind it rounded for people, and the segment.

Stages write their lists with pseudonymous ids into ``data/processed/<run>/actions/`` (as every
processed artifact); only here, when a run's reports are published, are the pseudonyms turned
back into the ids of the export, through the re-identification table intake wrote beside the
salt (``privacy.reid_dir``, never under ``data/processed`` or ``reports``). One file per action,
as CSV (UTF-8 with BOM, formula-leading text neutralised, ``kequn.data.actions``) and ``.xlsx``
(only when the list fits on one Excel sheet, ``EXCEL_ROWS``; a longer list is CSV alone):

- ``winback``: key and important customers who are sleeping or churned, most valuable first;
- ``key_care``: key customers still active or new (keep them close);
- ``category_targets``: stage 04's purchase-propensity lists (one row per customer and category);
- ``complaint_followup``: stage 05's alerts (valuable customers with open complaints or recent
  negative feedback).

Headers are in the run's language; ``machine=True`` keeps stable English column names for
scripts that load the lists. Figures state the run's basis: the CLV column is over the run's
horizon (``clv_12m`` by default, ``clv_6m`` with ``value.horizon_months: 6``) and the risk over
its window (``churn_risk_90d`` by default), in the headers and the machine names alike.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from kequn.data.actions import (
    QUOTED_FORMULA_RE,
    cells_matching,
    neutralise_formulas,
    write_spreadsheet_csv,
)
from kequn.data.io import write_table_atomic
from kequn.data.paths import RunFolder
from kequn.data.reid import check_reid_place
from kequn.lang.glossary import settings_basis
from kequn.lang.i18n import t

EXCEL_ROWS = 1_048_576  # rows on one Excel sheet, the header's included
LISTS = ("winback", "key_care", "category_targets", "complaint_followup")
_SOURCES = {"category_targets": "propensity_targets", "complaint_followup": "feedback_alerts"}


def write_reid(
    table: pd.DataFrame,
    path: str | Path,
    processed_root: str | Path | None = None,
    reports_root: str | Path | None = None,
) -> Path:
    """Write pseudonym → CRM id (owner-only permissions); refuse a place inside the
    processed data or the reports (``check_reid_place``; intake checks before any work)."""
    check_reid_place(path, processed_root, reports_root)
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_table_atomic(table, path)
    path.chmod(0o600)
    return path


def _whole(x) -> pd.Series:
    """Money rounded to whole units for people (missing stays missing, never "nan")."""
    return pd.to_numeric(x, errors="coerce").round(0).astype("Int64")


def _crm_ids(ids: pd.Series, reid: pd.DataFrame | None) -> pd.Series:
    if reid is None:
        return ids.astype(str)
    lookup = pd.Series(reid["crm_id"].to_numpy(), index=reid["customer_id"].to_numpy())
    return ids.map(lookup)


def _segment(df: pd.DataFrame) -> pd.Series:
    if "segment_name" not in df:
        return pd.Series("", index=df.index)
    return df["segment_name"].astype(str).where(df["segment_name"].notna(), "")


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    """A column of ``df``, or missing values when the run did not compute it."""
    return df[name] if name in df else pd.Series(pd.NA, index=df.index, dtype="Float64")


def _clv_name(basis: dict) -> str:
    return f"clv_{basis['clv_months']}m"


def _value_list(
    v: pd.DataFrame, action: str, reason: list, basis: dict | None = None, **extra
) -> pd.DataFrame:
    """A list drawn from value.parquet: id, action, reason, spend, CLV over the run's horizon,
    risk of no purchase in the run's window (``basis``, ``glossary.settings_basis``), any
    ``extra`` columns, segment."""
    b = basis or settings_basis()
    return pd.DataFrame(
        {
            "customer_id": v["customer_id"],
            "action": action,
            "reason": reason,
            "spend": _whole(_col(v, "monetary")),
            _clv_name(b): _whole(_col(v, "clv")),
            f"churn_risk_{b['risk_days']}d": pd.to_numeric(
                _col(v, "churn_risk"), errors="coerce"
            ).round(2),
            **extra,
            "segment": _segment(v),
        }
    )


def winback(value: pd.DataFrame, lang: str, basis: dict | None = None) -> pd.DataFrame:
    """Key and important customers who are sleeping or churned, by CLV (else spend)."""
    v = value[
        value["tier"].isin(["key", "important"])
        & value["stage"].astype(str).isin(["sleeping", "churned"])
    ]
    by = "clv" if "clv" in v and v["clv"].notna().any() else "monetary"
    v = v.sort_values(by, ascending=False)
    days = _col(v, "recency_days")
    reason = [
        t("crm.why.winback", lang).format(
            tier=t(f"tier.{tr}", lang),
            stage=t(f"stage.{st}", lang),
            days=int(r) if pd.notna(r) else "—",
        )
        for tr, st, r in zip(v["tier"], v["stage"].astype(str), days)
    ]
    return _value_list(v, t("crm.act.winback", lang), reason, basis, days_since_purchase=days)


def key_care(value: pd.DataFrame, lang: str, basis: dict | None = None) -> pd.DataFrame:
    """Key customers still active or new: the ones to keep close."""
    v = value[(value["tier"] == "key") & value["stage"].astype(str).isin(["active", "new"])]
    v = v.sort_values("monetary", ascending=False) if "monetary" in v else v
    reason = [
        t("crm.why.key_care", lang).format(stage=t(f"stage.{st}", lang))
        for st in v["stage"].astype(str)
    ]
    return _value_list(v, t("crm.act.key_care", lang), reason, basis)


def _per_value(values: pd.Series, make) -> np.ndarray:
    """``make(category=v)`` for each row's value, computed once per distinct value (a
    category repeats over hundreds of thousands of targets)."""
    where, distinct = pd.factorize(values, use_na_sentinel=False)
    return np.asarray([make(category=v) for v in distinct], dtype=object)[where]


def category_targets(targets: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Stage 04's target lists: a customer, the category to offer, why, score and rank."""
    return pd.DataFrame(
        {
            "customer_id": targets["customer_id"],
            "action": _per_value(targets["category"], t("crm.act.category", lang).format),
            "reason": targets.get("reasons", ""),
            "score": targets["score"].round(2),
            "rank": targets["rank"],
            "segment": _segment(targets),
        }
    )


def complaint_followup(alerts: pd.DataFrame, lang: str, basis: dict | None = None) -> pd.DataFrame:
    """Stage 05's alerts: whom to call back and why."""
    tier = (
        alerts["tier"].map(
            lambda x: t(f"tier.{x}", lang)
            if isinstance(x, str) and x in ("key", "important", "ordinary", "small")
            else x
        )
        if "tier" in alerts
        else ""
    )
    return pd.DataFrame(
        {
            "customer_id": alerts["customer_id"],
            "action": t("crm.act.followup", lang),
            "reason": alerts.get("reason", ""),
            "tier": tier,
            _clv_name(basis or settings_basis()): _whole(alerts["clv"])
            if "clv" in alerts
            else pd.NA,
            "last_feedback": alerts.get("last_feedback", ""),
            "feedback_id": alerts.get("feedback_id", ""),
            "segment": _segment(alerts),
        }
    )


def header(column: str, lang: str) -> str:
    """The header in ``lang`` of a list's column (its machine name): ``clv_6m`` → "6 个月客户终身
    价值" / "6-month CLV", ``churn_risk_30d`` → "30 天内不再购买的概率"."""
    if m := re.fullmatch(r"clv_(\d+)m", column):
        return t("crm.col.clv", lang).format(clv_months=m.group(1))
    if m := re.fullmatch(r"churn_risk_(\d+)d", column):
        return t("crm.col.churn_risk", lang).format(risk_days=m.group(1))
    return t(f"crm.col.{column}", lang)


def _read_action(processed: Path, name: str) -> pd.DataFrame | None:
    p = RunFolder(processed).action_list(name)
    if not p.exists():
        return None
    df = pd.read_csv(
        p,
        dtype={"customer_id": str, "feedback_id": str},
        encoding="utf-8-sig",
        keep_default_na=True,
    )
    for c in df.columns:  # the stage files are neutralised: undo the leading quote before reuse
        quoted = cells_matching(df[c], QUOTED_FORMULA_RE) if df[c].dtype == object else None
        if quoted is not None and quoted.any():
            col = df[c].copy()
            col[quoted] = col[quoted].astype(str).str[1:]
            df[c] = col
    return df


def build_lists(
    processed: str | Path, lang: str, names: tuple[str, ...] = LISTS
) -> dict[str, pd.DataFrame]:
    """Every action list of ``names`` the run's artifacts support (pseudonymous ids), by name."""
    processed = Path(processed)
    basis = settings_basis(processed)
    out: dict[str, pd.DataFrame] = {}
    wanted = set(names)
    if wanted & {"winback", "key_care"} and RunFolder(processed).value.exists():
        value = pd.read_parquet(RunFolder(processed).value)
        if {"tier", "stage"} <= set(value.columns):
            out["winback"] = winback(value, lang, basis)
            out["key_care"] = key_care(value, lang, basis)
    if "category_targets" in wanted:
        targets = _read_action(processed, _SOURCES["category_targets"])
        if targets is not None and not targets.empty:
            out["category_targets"] = category_targets(targets, lang)
    if "complaint_followup" in wanted:
        alerts = _read_action(processed, _SOURCES["complaint_followup"])
        if alerts is not None and not alerts.empty:
            out["complaint_followup"] = complaint_followup(alerts, lang, basis)
    return {k: v for k, v in out.items() if not v.empty and k in wanted}


def in_list_order(files: list[Path]) -> list[Path]:
    """List files (``<name>.csv``) in ``LISTS`` order, whatever order they were written in."""
    order = {n: i for i, n in enumerate(LISTS)}
    return sorted(files, key=lambda p: order.get(p.stem, 99))


def write_lists(
    processed: str | Path,
    folder: str | Path,
    reid_file: str | Path | None,
    lang: str,
    machine: bool = False,
    names: tuple[str, ...] = LISTS,
) -> list[Path]:
    """Write each list of ``names`` as ``<folder>/<name>.csv`` (UTF-8 with BOM) and ``.xlsx``
    with CRM ids (the ``.xlsx`` only when the list fits on one Excel sheet); a list of ``names``
    the run does not have (empty, or its stage wrote none) leaves no file in ``folder``.

    Parameters
    ----------
    processed : path
        The run's processed folder (``data/processed/<run>``).
    folder : path
        Where the lists go (``reports/<run>/actions``).
    reid_file : path or None
        The re-identification table; when it is missing the lists keep the pseudonyms and a
        column says so (a CRM cannot load them, but nothing is guessed).
    lang : {"zh", "en"}
        Language of the action, the reasons and (unless ``machine``) the headers.
    machine : bool
        Stable English column names instead of headers in ``lang``.
    names : tuple of str
        The lists to write (default all, ``LISTS``): ``make report`` writes each as soon as
        the stage it comes from has finished.

    Returns
    -------
    list of Path
        The CSV files written, in ``LISTS`` order.
    """
    folder = Path(folder)
    reid = pd.read_parquet(reid_file) if reid_file and Path(reid_file).exists() else None
    written = []
    for name, df in build_lists(processed, lang, names).items():
        df = df.copy()
        df.insert(0, "crm_id", _crm_ids(df.pop("customer_id"), reid))
        if reid is None:
            df.insert(1, "id_kind", "pseudonym")
        if not machine:
            df.columns = [header(c, lang) for c in df.columns]
        safe = neutralise_formulas(df)
        write_spreadsheet_csv(safe, folder / f"{name}.csv")
        xlsx = folder / f"{name}.xlsx"
        if len(safe) < EXCEL_ROWS:
            write_table_atomic(safe, xlsx)
        else:  # Excel would cut it off: the CSV alone, and no workbook from an earlier run
            xlsx.unlink(missing_ok=True)
        written.append(folder / f"{name}.csv")
    for name in set(names) - {p.stem for p in written}:  # none this run: an earlier run's
        for suffix in (".csv", ".xlsx"):  # file (the folder starts as its copy) must go
            (folder / f"{name}{suffix}").unlink(missing_ok=True)
    return in_list_order(written)
