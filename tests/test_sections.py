"""The branching that left the stage notebooks (issue 18): what a section shows when an input is
missing is decided in the stage's section function, where these fast tests reach it."""

from __future__ import annotations

import numpy as np
import pandas as pd
from kequn.models import value as kv
from kequn.render.section import Section
from kequn.stages import value as sv

# ---- 03 value


def test_concentration_only_when_someone_has_value():
    assert kv.concentration_if_any([0.0, -3.0, np.nan]) == (None, {})
    curve, conc = kv.concentration_if_any([1.0, 1.0, 2.0])
    assert len(curve) == 101 and conc == kv.concentration([1.0, 1.0, 2.0])[1]
    assert len(sv.concentration_section(pd.DataFrame(), None, {}, "en")) == 0


def test_value_sections_say_why_a_check_is_missing():
    off = sv.holdout_section(None, {}, None, ("v.holdout_off", {}), None, {}, {}, "en")
    assert off.sentences() == ["No holdout check: value.holdout_weeks is 0."]
    assert len(sv.truth_section(None, None, "en")) == 0  # real data: no planted truth
    assert sv.migration_figures(None, None, pd.DataFrame()) is None
    first = sv.migration_section(None, pd.DataFrame(), None, "en")
    assert first.sentences() == [
        "This is the first value analysis of this data set; there is no previous run to "
        "compare with."
    ]
    assert isinstance(first, Section) and first.charts() == 0
