"""Stage 02 glue: the steps of ``notebooks/02_clustering.ipynb`` as one call each, and the
tables they show, in the report's language.

Writes ``segments.parquet`` (customer_id, segment, segment_name, strength, outlier_score,
method) and ``clustering.json`` (figures for the summary stage) into the run's folder.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kequn.data.io import write_table_atomic
from kequn.data.paths import RunFolder
from kequn.data.problems import InputError, Problem
from kequn.lang.i18n import fmt_int, fmt_pct, t
from kequn.models import clustering as cl
from kequn.models.parallel import on_cores
from kequn.models.segment_profile import NOTICEABLE, component_label, feature_label, format_value
from kequn.render.section import Section


def settings_check(c: dict) -> None:
    """Values of the clustering settings that no run can use, named before any work."""
    problems = []
    if c["method"] not in cl.METHODS:
        problems.append(
            Problem.of("unknown_method", "config", value=c["method"], allowed=", ".join(cl.METHODS))
        )
    if c["criterion"] not in cl.CRITERIA:
        problems.append(
            Problem.of(
                "unknown_criterion", "config", value=c["criterion"], allowed=", ".join(cl.CRITERIA)
            )
        )
    lo, hi = (c["k_range"] + [None, None])[:2]
    if lo is None or hi is None or not (2 <= lo <= hi <= 30):
        problems.append(
            Problem.of(
                "bad_setting",
                "config",
                name="clustering.k_range",
                value=c["k_range"],
                rule="[2 ≤ min ≤ max ≤ 30]",
            )
        )
    if c.get("k") is not None and not (2 <= c["k"] <= 30):
        problems.append(
            Problem.of("bad_setting", "config", name="clustering.k", value=c["k"], rule="2–30")
        )
    if not (0 <= c["min_share"] < 0.5):
        problems.append(
            Problem.of(
                "bad_setting",
                "config",
                name="clustering.min_share",
                value=c["min_share"],
                rule="0–0.5",
            )
        )
    if c["sample_size"] < 100:
        problems.append(
            Problem.of(
                "bad_setting",
                "config",
                name="clustering.sample_size",
                value=c["sample_size"],
                rule="≥ 100",
            )
        )
    from kequn.models.segment_rules import check_rules

    problems += check_rules(c.get("rules") or {})  # parsed, never run: before any stage
    if problems:
        raise InputError(problems)


def prep_table(prep, lang: str, labels: dict) -> pd.DataFrame:
    """What was done to each clustering column: set, feature, transform, missing, weight."""
    s = prep.steps
    return pd.DataFrame(
        {
            t("seg.set", lang): s["set"].map(lambda x: t(f"set.{x}", lang)),
            t("seg.feature", lang): [feature_label(c, lang, labels) for c in s["column"]],
            t("seg.transform", lang): s["transform"].map(lambda x: _transform_words(x, lang)),
            t("seg.missing_share", lang): s["missing_share"],
            t("seg.weight", lang): s["weight"].round(3),
        }
    )


def _transform_words(x: str, lang: str) -> str:
    parts = []
    for p in x.split(" → "):
        if p.startswith("median for "):
            parts.append(t("tr.median", lang).format(n=p.split()[2]))
        else:
            parts.append(t(f"tr.{p}", lang))
    return " → ".join(parts)


def dropped_table(prep, lang: str, labels: dict) -> pd.DataFrame:
    d = prep.dropped
    if d.empty and not prep.skipped_sets:
        return pd.DataFrame()
    rows = [
        {
            t("seg.feature", lang): feature_label(r.column, lang, labels),
            t("seg.set", lang): t(f"set.{r.set}", lang),
            t("seg.reason", lang): t(f"drop.{r.reason}", lang),
        }
        for r in d.itertuples()
    ]
    rows += [
        {
            t("seg.feature", lang): "—",
            t("seg.set", lang): t(f"set.{s}", lang),
            t("seg.reason", lang): t("drop.set_absent", lang),
        }
        for s in prep.skipped_sets
    ]
    return pd.DataFrame(rows)


def k_choice(scan: pd.DataFrame, c: dict, method: str) -> tuple[int | None, str]:
    """The k to use and a sentence saying why (given in the config, or by the criterion)."""
    if method == "hdbscan":
        return None, "k.reason.hdbscan"
    if c.get("k"):
        return int(c["k"]), "k.reason.given"
    k, reason = cl.choose_k(scan, c["criterion"], c["k_tolerance"])
    return k, reason


def k_sentence(k, reason: str, c: dict, lang: str, min_cluster_size=None) -> str:
    return t(reason, lang).format(
        k=k,
        criterion=t(f"crit.{c['criterion']}", lang),
        tol=fmt_pct(c["k_tolerance"], lang, 0),
        lo=c["k_range"][0],
        hi=c["k_range"][1],
        mcs=min_cluster_size,
    )


def compare_methods(
    X: np.ndarray,
    sample: np.ndarray,
    k: int,
    seed: int,
    c: dict,
    primary: cl.Segmentation,
    lang: str,
) -> pd.DataFrame:
    """All three algorithms on the same sample: segments, unassigned share, separation and
    agreement (ARI) with the chosen method's segments."""
    Xs = X[sample]
    ref = primary.labels[sample]
    reuse = len(sample) == len(X)  # the chosen method was fitted on exactly these customers
    todo = [m for m in cl.METHODS if not (reuse and m == primary.method)]
    fitted = dict(
        zip(
            todo,
            on_cores(
                _fit_on_all,
                [(Xs, m, k, seed, c["min_share"], c.get("min_cluster_size")) for m in todo],
            ),
        )
    )  # the methods are independent: one per core
    rows = []
    for m in cl.METHODS:
        n_seg, lab, seconds = fitted[m] if m in fitted else (primary.k, ref, primary.seconds)
        sep = cl.separation(Xs, lab, seed)
        rows.append(
            {
                t("seg.method", lang): t(f"method.{m}", lang),
                t("seg.segments", lang): n_seg,
                t("seg.unassigned_share", lang): float((lab == cl.UNASSIGNED).mean()),
                t("crit.silhouette", lang): sep["silhouette"],
                t("crit.davies_bouldin", lang): sep["davies_bouldin"],
                t("seg.ari_vs_chosen", lang): cl.agreement(ref, lab),
                t("seg.seconds", lang): seconds,
            }
        )
    return pd.DataFrame(rows)


def _fit_on_all(
    Xs: np.ndarray, method: str, k, seed: int, min_share: float, min_cluster_size
) -> tuple:
    """(segments, labels, seconds) of one method fitted on all of ``Xs``."""
    seg = cl.fit_segments(
        Xs,
        method,
        k,
        seed,
        sample=np.arange(len(Xs)),
        min_share=min_share,
        min_cluster_size=min_cluster_size,
    )
    return seg.k, seg.labels, seg.seconds


def sample_agreement(
    X: np.ndarray, seg: cl.Segmentation, k, seed: int, c: dict, max_full: int
) -> float | None:
    """ARI between the sample-fitted assignment and a fit on everyone, when the base is
    larger than the sample and a full fit is affordable (≤ ``max_full`` customers)."""
    if len(seg.sample) == len(X) or len(X) > max_full:
        return None
    full = cl.fit_segments(
        X, seg.method, k, seed, min_share=c["min_share"], min_cluster_size=c.get("min_cluster_size")
    )
    return cl.agreement(seg.labels, full.labels)


def distinct_words(
    dist: pd.DataFrame, names: pd.DataFrame, lang: str, labels: dict, top: int = 5
) -> pd.DataFrame:
    """Per segment its most distinguishing features in words: feature, segment vs base, d."""
    seg_names = names.set_index("segment")["segment_name"]
    d = dist[dist["std_diff"].abs() >= NOTICEABLE].groupby("segment").head(top)
    return pd.DataFrame(
        {
            t("seg.segment", lang): [
                cl.segment_label(s, seg_names.get(s, "")) for s in d["segment"]
            ],
            t("seg.feature", lang): [feature_label(c, lang, labels) for c in d["column"]],
            t("seg.segment_mean", lang): [
                format_value(c, v, lang) for c, v in zip(d["column"], d["segment_mean"])
            ],
            t("seg.base_mean", lang): [
                format_value(c, v, lang) for c, v in zip(d["column"], d["base_mean"])
            ],
            t("seg.std_diff", lang): d["std_diff"].round(2).to_numpy(),
            t("seg.direction", lang): [
                t("seg.higher" if v > 0 else "seg.lower", lang) for v in d["std_diff"]
            ],
        }
    )


def sizes_table(
    labels: np.ndarray, names: pd.DataFrame, features: pd.DataFrame, strength: np.ndarray, lang: str
) -> pd.DataFrame:
    """Per segment: customers, share, revenue share, mean membership strength."""
    m = (
        features["monetary"].clip(lower=0).to_numpy()
        if "monetary" in features
        else np.zeros(len(labels))
    )
    rows = []
    for r in names.itertuples():
        sel = labels == r.segment
        rows.append(
            {
                t("seg.segment", lang): cl.segment_label(r.segment, r.segment_name),
                t("customers", lang): int(sel.sum()),
                t("share_of_customers", lang): float(sel.mean()),
                t("revenue_share", lang): float(m[sel].sum() / m.sum()) if m.sum() > 0 else np.nan,
                t("seg.strength", lang): float(strength[sel].mean()) if sel.any() else np.nan,
            }
        )
    return pd.DataFrame(rows)


def stability_table(stab: pd.DataFrame, names: pd.DataFrame, lang: str) -> pd.DataFrame:
    seg_names = names.set_index("segment")["segment_name"]
    return pd.DataFrame(
        {
            t("seg.segment", lang): [
                cl.segment_label(s, seg_names.get(s, "")) for s in stab["segment"]
            ],
            t("seg.jaccard", lang): stab["jaccard"].round(2),
            t("seg.jaccard_min", lang): stab["jaccard_min"].round(2),
            t("seg.verdict", lang): stab["verdict"].map(lambda v: t(f"verdict.{v}", lang)),
        }
    )


def segments_frame(
    features: pd.DataFrame, seg: cl.Segmentation, names: pd.DataFrame
) -> pd.DataFrame:
    """The segments table: customer_id, segment (0 = unassigned), segment_name, strength
    (membership 0–1), outlier_score (HDBSCAN only, else missing), method."""
    nm = names.set_index("segment")["segment_name"]
    return pd.DataFrame(
        {
            "customer_id": features["customer_id"].to_numpy(),
            "segment": seg.labels.astype("int32"),
            "segment_name": pd.Categorical(pd.Series(seg.labels).map(nm)),
            "strength": seg.strength,
            "outlier_score": seg.outlier,
            "method": seg.method,
        }
    )


def write_segments(processed_dir, segments: pd.DataFrame) -> Path:
    return write_table_atomic(segments, RunFolder.of(processed_dir).segments)


def drift_table(moves: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("seg.segment", lang): [
                cl.segment_label(s, n) for s, n in zip(moves["segment"], moves["segment_name"])
            ],
            t("seg.matched", lang): moves["matched_previous"],
            t("seg.share_now", lang): moves["share_now"],
            t("seg.share_before", lang): moves["share_before"],
            t("seg.stayed", lang): moves["stayed"],
        }
    )


def growth_gap(quality: dict) -> dict | None:
    """When the two 6-month windows of growth do not both lie inside the orders' span: the first
    order date (``first``) and the day the earlier window would need data from (``needed``);
    None when they do (growth is measured)."""
    from kequn.data.features import GROWTH_WINDOW_DAYS, window_complete

    first = ((quality.get("span") or {}).get("orders") or {}).get("first")
    as_of = pd.Timestamp(quality["as_of"])
    if first is not None and window_complete(first, as_of, 2):
        return None
    needed = as_of.normalize() - pd.Timedelta(days=2 * GROWTH_WINDOW_DAYS - 1)
    return {"first": first or "—", "needed": str(needed.date())}


def attract_run(
    features: pd.DataFrame, labels: np.ndarray, names: pd.DataFrame, c: dict, quality: dict
) -> pd.DataFrame:
    """``segment_profile.attractiveness`` with the run's weights (``clustering.attractiveness``);
    ``attrs['growth_gap']`` says why growth is not measured (``growth_gap``)."""
    from kequn.models.segment_profile import attractiveness

    a = attractiveness(
        features,
        labels,
        names,
        c.get("attractiveness"),
        feature_labels=features.attrs.get("labels"),
    )
    a.attrs["growth_gap"] = growth_gap(quality) if "growth" in a.attrs.get("left_out", []) else None
    return a


def attract_table(a: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The ranking with its components; a component not measured for any segment is left out
    (the note names it), growth shows "—" where it is not measured."""
    basis = a.attrs.get("reach_basis")
    out = pd.DataFrame(
        {
            t("seg.rank", lang): a["rank"],
            t("seg.segment", lang): [
                cl.segment_label(s, n) for s, n in zip(a["segment"], a["segment_name"])
            ],
            t("customers", lang): a["customers"],
            t("share_of_customers", lang): a["share"],
        }
    )
    if "revenue_share" in a and a["revenue_share"].notna().any():
        out[t("revenue_share", lang)] = a["revenue_share"].map(lambda v: fmt_pct(v, lang))
    if "clv" in a and a["clv"].notna().any():
        out[t("attr.c.clv", lang)] = a["clv"].round(1)
    out[t("seg.value", lang)] = a["value"]
    out[t("seg.growth", lang)] = a["growth"].map(lambda v: "—" if pd.isna(v) else f"{v:+.1%}")
    if a["reach"].notna().any():
        out[component_label("reach", lang, basis)] = a["reach"].map(lambda v: fmt_pct(v, lang, 0))
    out[t("seg.score", lang)] = a["score"].round(2)
    return out


def attract_figures(a: pd.DataFrame) -> dict:
    """What the summary stage needs to rank again with lifetime value (clustering.json):
    the components per segment, the weights asked for, the reach basis and the growth gap."""
    cols = [
        "segment",
        "segment_name",
        "customers",
        "share",
        "revenue_share",
        "value",
        "growth",
        "reach",
    ]
    rows = (
        a[[c for c in cols if c in a]]
        .astype(object)
        .where(a[[c for c in cols if c in a]].notna(), None)
    )
    return {
        "rows": rows.to_dict("records"),
        "weights": a.attrs.get("asked", {}),
        "reach_basis": a.attrs.get("reach_basis"),
        "growth_gap": a.attrs.get("growth_gap"),
    }


HISTORY_COLUMNS = ("tenure_days", "recency_days", "active_days", "first_order", "last_order")


def rules_history(rules: dict, quality: dict, lang: str) -> str:
    """When a rule segment's expression uses tenure or time since purchase and history starts
    with the export (``profiling.history_note``): a sentence saying so, else ""."""
    import re

    from kequn.models.profiling import history_note

    note = history_note(quality, lang)
    uses = any(
        re.search(rf"\b{c}\b", str(expr))
        for expr in (rules or {}).values()
        for c in HISTORY_COLUMNS
    )
    return t("rules.history", lang).format(note=note) if note and uses else ""


def rules_as_shown(rules: dict, quality: dict, lang: str) -> dict:
    """The rules under the names a page shows: a rule on tenure or time since purchase, when
    history starts with the export (``profiling.history``), carries where it starts —
    "注册半年内（历史始于 2009-12-01）" — so that its name does not claim what the export
    cannot tell; the other rules keep their names. Order and expressions are kept."""
    import re

    from kequn.models.profiling import history

    h = history(quality)
    if not h or not h["truncated"]:
        return dict(rules or {})
    out = {}
    for name, expr in (rules or {}).items():
        uses = any(re.search(rf"\b{c}\b", str(expr)) for c in HISTORY_COLUMNS)
        out[t("rules.since", lang).format(name=name, first=h["first"]) if uses else name] = expr
    return out


def summary(
    run: str,
    lang: str,
    seg: cl.Segmentation,
    k,
    reason: str,
    sep: dict,
    stab: pd.DataFrame,
    attract: pd.DataFrame,
    names: pd.DataFrame,
    moved: dict,
    agree,
) -> dict:
    """Figures of this stage for the summary stage and the nbval check (clustering.json)."""
    sizes = pd.Series(seg.labels).value_counts().sort_index()
    return {
        "run": run,
        "lang": lang,
        "method": seg.method,
        "k": seg.k,
        "k_reason": reason,
        "sizes": {int(s): int(n) for s, n in sizes.items()},
        "names": names.set_index("segment")["segment_name"].to_dict(),
        "portraits": names.set_index("segment")["portrait"].to_dict(),
        "separation": sep,
        "stability": stab.set_index("segment")["jaccard"].round(3).to_dict(),
        "stable_segments": int((stab["verdict"] == "stable").sum()),
        "attractiveness_rank": attract[["segment", "rank"]].set_index("segment")["rank"].to_dict()
        if len(attract)
        else {},
        "attractiveness": attract_figures(attract) if len(attract) else {},
        "drift": moved,
        "sample_agreement": agree,
    }


def save_summary(processed_dir, figures: dict) -> Path:
    from kequn.data.run_folder import save_figures

    return save_figures(processed_dir, "clustering", figures)


# --- sections: what the notebook shows, one call per section (kequn.render.section) -----------


def inputs_section(
    run: str, quality: dict, features: pd.DataFrame, c: dict, seed: int, lang: str
) -> Section:
    """The run, as-of date, customers, method and seed; the data caveats."""
    from kequn.models.profiling import caveats

    sec = Section().facts(
        {
            t("run", lang): run,
            t("as_of", lang): quality["as_of"],
            t("customers", lang): fmt_int(len(features), lang),
            t("seg.method", lang): t(f"method.{c['method']}", lang),
            t("seed", lang): seed,
        }
    )
    tables = ("customers", "orders", "events", "feedback")
    return sec.caveats(caveats(quality, tables, lang), lang)


def prep_section(prep, labels: dict, lang: str) -> Section:
    """How the features were prepared and weighted, and the ones left out."""
    sec = Section().text("sec.prep_note", lang)
    sec.table(prep_table(prep, lang, labels), max_rows=80)
    dropped = dropped_table(prep, lang, labels)
    if not dropped.empty:
        sec.heading("sec.dropped", lang, level=3).table(dropped)
    return sec


def k_to_compare(k: int | None, scan: pd.DataFrame, c: dict) -> int:
    """The k the methods are fitted and compared at: the chosen k, or for HDBSCAN (which finds
    its own number) the criterion's."""
    return k or cl.choose_k(scan, c["criterion"], c["k_tolerance"])[0]


def k_section(
    scan: pd.DataFrame,
    k_fit: int,
    seg,
    k: int | None,
    reason: str,
    c: dict,
    n_fit: int,
    customers: int,
    agree: float | None,
    lang: str,
) -> Section:
    """The criteria over k, why this k, how many customers the fit saw, how the sample agrees
    with a fit on everyone, and the small segments merged."""
    from kequn.render import plotting

    sec = Section().chart(
        plotting.criteria,
        scan,
        k_fit,
        {m: t(f"crit.{m}", lang) for m in cl.CRITERIA},
        t("seg.k_axis", lang),
    )
    mcs = getattr(seg.model, "min_cluster_size", None)
    sec.markdown(k_sentence(seg.k if k is None else k, reason, c, lang, mcs))
    if n_fit == customers:
        sec.markdown(t("seg.sample_all", lang).format(n=fmt_int(n_fit, lang)))
    else:
        sec.markdown(
            t("seg.sample_note", lang).format(
                n=fmt_int(n_fit, lang), m=fmt_int(customers - n_fit, lang)
            )
        )
    if agree is not None:
        sec.markdown(t("seg.sample_agree", lang).format(ari=f"{agree:.2f}"))
    merged = "seg.merged" if len(seg.merged) else "seg.merged_none"
    return sec.markdown(
        t(merged, lang).format(n=len(seg.merged), share=fmt_pct(c["min_share"], lang, 0))
    )


def names_section(names: pd.DataFrame, lang: str) -> Section:
    """Each segment's name and portrait."""
    return Section().table(
        names.rename(
            columns={
                "segment": t("seg.segment", lang),
                "segment_name": t("seg.name", lang),
                "portrait": t("seg.portrait_col", lang),
            }
        )
    )


def sizes_section(seg, names: pd.DataFrame, features: pd.DataFrame, lang: str) -> Section:
    """Customers, share and value per segment, the shares as bars."""
    from kequn.render import plotting

    tab = sizes_table(seg.labels, names, features, seg.strength, lang)
    return (
        Section()
        .table(tab)
        .chart(
            plotting.bar,
            tab,
            tab.columns[0],
            tab.columns[2],
            t("sec.sizes", lang),
            t("seg.segment", lang),
            t("share_of_customers", lang),
            pct=True,
            horizontal=True,
        )
    )


def separation_facts(sep: dict, lang: str) -> dict:
    """The separation figures as label → text (Calinski–Harabasz as a whole number)."""
    return {
        t(f"crit.{m}", lang): f"{v:,.0f}" if m == "calinski_harabasz" else f"{v:.3f}"
        for m, v in sep.items()
    }


def distinct_section(dist, names: pd.DataFrame, sep: dict, labels: dict, lang: str) -> Section:
    """The features that set each segment apart (standardised differences), and the
    separation figures."""
    sec = Section().text("sec.distinct_note", lang)
    sec.table(distinct_words(dist, names, lang, labels), max_rows=60)
    return sec.heading("sec.separation", lang, level=3).facts(separation_facts(sep, lang))


def profile_section(
    features: pd.DataFrame, seg, names: pd.DataFrame, points, var, labels: dict, lang: str
) -> Section:
    """Each segment against the whole base, and the segment map on two principal components."""
    from kequn.models.segment_profile import profile_table
    from kequn.render import plotting

    name_of = names.set_index("segment")["segment_name"].to_dict()
    sec = Section().table(profile_table(features, seg.labels, names, lang, labels), max_rows=30)
    return sec.chart(
        plotting.segment_map,
        points,
        name_of,
        t("sec.map", lang),
        t("seg.pc", lang).format(i=1, v=fmt_pct(var[0], lang, 0)),
        t("seg.pc", lang).format(i=2, v=fmt_pct(var[1], lang, 0)),
    )


def methods_section(X, sample, k_fit: int, seed: int, c: dict, seg, lang: str) -> Section:
    """KMeans, a Gaussian mixture and HDBSCAN on the same sample (``compare_methods``)."""
    sec = Section().text("sec.methods_note", lang)
    return sec.table(compare_methods(X, sample, k_fit, seed, c, seg, lang))


def stability_section(stab: pd.DataFrame, names: pd.DataFrame, c: dict, lang: str) -> Section:
    """Bootstrap Jaccard per segment against the stable and dissolving lines."""
    from kequn.models.segment_quality import DISSOLVING, STABLE
    from kequn.render import plotting

    tab = stability_table(stab, names, lang)
    sec = Section().markdown(t("sec.stability_note", lang).format(b=c["bootstrap"])).table(tab)
    return sec.chart(
        plotting.bars_with_lines,
        tab,
        tab.columns[0],
        tab.columns[1],
        t("sec.stability", lang),
        t("seg.segment", lang),
        t("seg.jaccard", lang),
        lines={t("verdict.stable", lang): STABLE, t("verdict.dissolving", lang): DISSOLVING},
    )


def drift_of(prev: pd.DataFrame | None, segments: pd.DataFrame):
    """(figures, customer moves) against the previous run's segments (``segment_quality.drift``);
    ({}, None) on a data set's first run."""
    from kequn.models.segment_quality import drift

    return ({}, None) if prev is None else drift(prev, segments)


def drift_section(prev_run: str | None, moved: dict, moves, lang: str) -> Section:
    """How many customers changed segment since the previous run, and between which."""
    sec = Section()
    if moves is None:
        return sec.text("seg.drift_none", lang)
    sec.markdown(
        t("seg.drift_figures", lang).format(
            run=prev_run,
            both=fmt_int(moved["customers_both"], lang),
            changed=fmt_pct(moved["changed_share"], lang),
            new=fmt_int(moved["new_customers"], lang),
            gone=fmt_int(moved["gone_customers"], lang),
        )
    )
    return sec.table(drift_table(moves, lang))


def attract_section(attract: pd.DataFrame, lang: str) -> Section:
    """The attractiveness ranking with its formula and weights."""
    from kequn.models.segment_profile import attract_note

    return (
        Section()
        .table(attract_table(attract, lang))
        .markdown(attract_note(attract, lang, clv_later=True))
    )


def rules_section(features: pd.DataFrame, c: dict, quality: dict, seg, names, lang: str) -> Section:
    """The configured rule-based segments against the data-driven ones (shares, adjusted Rand
    index), with the caveat when a rule uses tenure on a history the export cuts short."""
    from kequn.models.segment_rules import compare, rule_segments

    sec = Section()
    if not c["rules"]:
        return sec.text("sec.rules_none", lang)
    shown = rules_as_shown(c["rules"], quality, lang)  # history rules say where it starts
    table, ari = compare(rule_segments(features, shown, lang), seg.labels, names, lang)
    sec.markdown(t("sec.rules_note", lang).format(ari=f"{ari:.2f}"))
    history = rules_history(c["rules"], quality, lang)  # tenure rules on a cut history
    if history:
        sec.markdown(history)
    return sec.table(table)
