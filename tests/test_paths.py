"""kequn.data.paths: RunFolder's examples run as doctests, and the artifacts a run writes are
where RunFolder names them, under the names earlier runs used (intake and the feature table
on a small demo)."""

import doctest

from kequn.data import paths
from kequn.data.paths import RunFolder


def test_examples_run():
    res = doctest.testmod(paths, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.attempted >= 2 and res.failed == 0


def test_a_run_writes_where_run_folder_says(demo_dir, tmp_path):
    from conftest import SALT
    from kequn.data.intake import run_intake
    from kequn.data.run_folder import features_for_run

    out = tmp_path / "run"
    quality = run_intake(demo_dir, out, salt=SALT).quality
    features_for_run(out, quality)
    rf = RunFolder(str(out))  # a str path is taken as a Path
    for p in (rf.quality, rf.intake_stamp, rf.table("orders"), rf.features, rf.feature_labels):
        assert p.is_file(), p
    # the names earlier runs were written under (a later run reads them: runs.previous_table)
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"quality.json", "intake.stamp", "features.parquet", "feature_labels.json"} <= names
    assert "clean/orders.parquet" in names
    assert {p.name for p in rf.clean.iterdir()} >= {"orders.parquet", "customers.parquet"}


# The names stage 02–06 artifacts were written under before RunFolder named them all (issue 18);
# a later run reads an earlier run's files by them (runs.previous_table, summary.earlier).
EARLIER_NAMES = {
    "segments": "segments.parquet",
    "value": "value.parquet",
    "needs": "needs.parquet",
    "feedback_scored": "feedback_scored.parquet",
    "clean feedback": "clean/feedback.parquet",
    "profiling figures": "profiling.json",
    "clustering figures": "clustering.json",
    "value figures": "value.json",
    "needs figures": "needs.json",
    "feedback figures": "feedback.json",
    "summary figures": "summary.json",
    "complaint alerts": "actions/feedback_alerts.csv",
    "category targets": "actions/propensity_targets.csv",
}


def test_stage_artifacts_keep_the_names_earlier_runs_were_written_under(tmp_path):
    import pandas as pd
    from kequn.data.actions import write_action_list
    from kequn.data.runs import previous_table

    rf = RunFolder(tmp_path)
    named = {
        "segments": rf.segments,
        "value": rf.value,
        "needs": rf.needs,
        "feedback_scored": rf.feedback_scored,
        "clean feedback": rf.table("feedback"),
        **{f"{s} figures": rf.figures(s) for s in ("profiling", "clustering", "value")},
        **{f"{s} figures": rf.figures(s) for s in ("needs", "feedback", "summary")},
        "complaint alerts": rf.action_list("feedback_alerts"),
        "category targets": rf.action_list("propensity_targets"),
    }
    assert {k: p.relative_to(tmp_path).as_posix() for k, p in named.items()} == EARLIER_NAMES
    # an earlier run's table, written under its old name, is found by RunFolder's
    old = tmp_path / "demo-20260101"
    old.mkdir()
    pd.DataFrame({"customer_id": ["K1"], "segment": [1]}).to_parquet(old / "segments.parquet")
    now = RunFolder(tmp_path / "demo-20260201")
    now.root.mkdir()
    run, table = previous_table(now.root, "demo-20260201", now.segments.name)
    assert run == "demo-20260101" and table["customer_id"].tolist() == ["K1"]
    # a stage's action list is written where RunFolder names it, which crm and priorities read
    p = write_action_list(pd.DataFrame({"customer_id": ["K1"]}), now.root, "feedback_alerts")
    assert p == now.action_list("feedback_alerts") and p.read_text("utf-8-sig").startswith("cust")
