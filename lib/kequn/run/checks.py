"""Checks across a whole run: that its pages agree on every segment (size, active count, shares).
A run-level check, above the stages it reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kequn.data.paths import RunFolder


def disagreements(processed, reports=None) -> list[str]:
    """Where a run's pages disagree on a segment's size, lifecycle counts or shares: stage 02
    (``clustering.json``), stage 03 (``value.parquet`` by segment, as its per-segment table),
    stage 04 (needs groups by segment, of buyers) and stage 06 / the index (the cards, and the
    same HTML on both pages when ``reports`` is given). Empty when they all agree."""
    import json
    import re

    import pandas as pd

    from kequn.models import value as kv
    from kequn.models.segment_cards import segment_cards
    from kequn.stages import needs as stage_needs

    folder, out = Path(processed), []
    seg = pd.read_parquet(RunFolder(folder).segments)
    seg = seg[seg["segment"] >= 0]
    sizes = seg["segment"].value_counts().sort_index()
    clu = json.loads(RunFolder(folder).figures("clustering").read_text(encoding="utf-8"))
    if {int(k): int(v) for k, v in clu["sizes"].items()} != {
        int(k): int(v) for k, v in sizes.items()
    }:
        out.append(f"02 sizes {clu['sizes']} != segments {sizes.to_dict()}")
    cards = segment_cards(folder).set_index("segment")
    if cards["customers"].to_dict() != sizes.to_dict():
        out.append(f"06 card sizes {cards['customers'].to_dict()} != {sizes.to_dict()}")
    vt = pd.read_parquet(RunFolder(folder).value)  # with the segments stage 03 read
    vt = vt[vt["segment"] >= 0]
    by = kv.by_group(vt, "segment")  # the figures of stage 03's per-segment table
    if by["customers"].tolist() != sizes.tolist():
        out.append(f"03 segment table sizes {by['customers'].tolist()} != {sizes.tolist()}")
    active = (
        vt[vt["stage"] == "active"].groupby("segment").size().reindex(sizes.index, fill_value=0)
    )
    card_active = (cards["stage_active"] * cards["customers"]).round().astype(int)
    if card_active.to_dict() != active.to_dict():
        out.append(f"06 card active {card_active.to_dict()} != 03 active {active.to_dict()}")
    if "need_share" in cards:
        scores = pd.read_parquet(RunFolder(folder).needs)
        mix = stage_needs.needs_by_segment(scores, seg, "en")
        four = mix.max(axis=1).to_numpy()
        if not np.allclose(four, cards["need_share"].to_numpy()):
            out.append(
                f"needs shares: 04 {four.round(3)} != cards {cards['need_share'].round(3).tolist()}"
            )
    if reports is not None:
        idx = Path(reports, "index.html").read_text(encoding="utf-8")
        six = Path(reports, "06_summary.html").read_text(encoding="utf-8")
        summary = json.loads(RunFolder(folder).figures("summary").read_text(encoding="utf-8"))
        for name, page in (("index", idx), ("06", six)):
            for s in sizes.index:
                block = re.search(rf"id=['\"]segment-{s}['\"].*?</table>", page, re.S)
                if block is None:
                    out.append(f"{name}: no card for segment {s}")
        if summary["cards_html"] not in idx:
            out.append("index cards differ from summary.json")
    return out
