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
