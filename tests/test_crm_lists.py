"""Action lists a CRM can load (kequn.data.crm): original CRM ids back through the re-identification
table intake writes beside the salt, never in processed data; headers in the run language or
stable English; CSV with BOM and .xlsx read back intact."""

from __future__ import annotations

import datetime as dt
import functools

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kequn.data import crm
from kequn.data.intake import run_intake
from kequn.data.problems import SettingsError

SALT = "crm-test"


def _export(folder):
    folder.mkdir(parents=True, exist_ok=True)
    ids = ["00012345", "00067890", "12345", "A-0042"]
    pd.DataFrame({"customer_id": ids, "gender": ["女", "男", "女", "男"]}).to_csv(
        folder / "customers.csv", index=False
    )
    pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3", "o4"],
            "customer_id": ids,
            "order_date": ["2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04"],
            "amount": ["10", "20", "30", "40"],
        }
    ).to_csv(folder / "orders.csv", index=False)
    return ids


def test_intake_writes_the_reid_table_outside_processed_data_only(tmp_path):
    ids = _export(tmp_path / "raw")
    out = tmp_path / "processed" / "run1"
    reid = tmp_path / "secrets" / "run1.parquet"
    r = run_intake(tmp_path / "raw", out, salt=SALT, reid_file=reid)
    table = pd.read_parquet(reid)
    assert sorted(table["crm_id"]) == sorted(ids)
    assert set(table["customer_id"]) == set(r.tables["customers"]["customer_id"])
    assert oct(reid.stat().st_mode & 0o777) == "0o600"
    for p in (tmp_path / "processed").rglob("*"):  # no original id anywhere in processed data
        if p.is_file():
            data = p.read_bytes()
            assert not any(i.encode() in data for i in ("00012345", "00067890", "A-0042")), p
    with pytest.raises(SettingsError):
        run_intake(
            tmp_path / "raw", out, salt=SALT, reid_file=tmp_path / "processed" / "reid.parquet"
        )


@pytest.mark.parametrize("under", ["processed", "reports"])
def test_a_reid_dir_under_the_processed_data_or_the_reports_is_refused_before_any_work(
    tmp_path, monkeypatch, under
):
    """The re-identification table holds the CRM ids: not under data/processed (every artifact
    pseudonymous) nor under the reports (handed to stakeholders; the folder make exports as
    KQ_REPORTS). Refused with the setting's name and the fix, in either language, before
    anything is read or written."""
    _export(tmp_path / "raw")
    monkeypatch.setenv("KQ_REPORTS", str(tmp_path / "reports"))  # make REPORTS=…
    out = tmp_path / "processed" / "run1"
    reid = tmp_path / under / "secret" / "run1.parquet"
    with pytest.raises(SettingsError) as e:
        run_intake(tmp_path / "raw", out, salt=SALT, reid_file=reid)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw"]  # nothing made, not even out
    en, zh = e.value.render("en"), e.value.render("zh")
    assert "privacy.reid_dir" in en and str(reid.parent) in en and "data/.reid" in en
    assert f"lies under the {'processed data' if under == 'processed' else 'reports'}" in en
    assert (
        "privacy.reid_dir" in zh
        and ("处理后数据目录" if under == "processed" else "报告目录") in zh
    )
    assert "运行没有开始" in zh  # a settings problem: the run did not start
    with pytest.raises(SettingsError):  # a reports folder given by the caller counts too
        run_intake(
            tmp_path / "raw",
            out,
            salt=SALT,
            reid_file=tmp_path / "site" / "ids.parquet",
            reports_dir=tmp_path / "site",
        )


def test_make_report_refuses_a_reid_dir_in_the_reports_before_any_work(tmp_path, capsys):
    from kequn.run import cli

    _export(tmp_path / "raw")
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"lang: en\nprivacy: {{salt: s, reid_dir: {tmp_path / 'r' / 'ids'}}}\n")
    code = cli.main(
        ["report", "nb.ipynb", "--config", str(cfg), "--data", str(tmp_path / "raw"),
         "--run", "x", "--processed", str(tmp_path / "p"), "--reports", str(tmp_path / "r")]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "privacy.reid_dir" in err and "lies under the reports" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.yaml", "raw"]


def _processed(tmp_path):
    """A run's processed folder with value.parquet and the stages' pseudonymous lists."""
    _export(tmp_path / "raw")
    out = tmp_path / "processed" / "run1"
    reid = tmp_path / "secrets" / "run1.parquet"
    r = run_intake(tmp_path / "raw", out, salt=SALT, reid_file=reid)
    keys = r.tables["customers"]["customer_id"].tolist()
    pd.DataFrame(
        {
            "customer_id": keys,
            "orders": [3, 5, 1, 2],
            "recency_days": [200, 20, 400, 10],
            "monetary": [5000.4, 9000.6, 120.0, 300.0],
            "tier": ["key", "key", "important", "small"],
            "stage": ["sleeping", "active", "churned", "active"],
            "clv": [1234.5678, 4321.0, None, 12.0],
            "churn_risk": [0.8123, 0.1, 0.95, 0.3],
            "segment_name": ["高价值", "高价值", "=cmd|' /C calc'!A0", "新客"],
        }
    ).to_parquet(out / "value.parquet")
    (out / "actions").mkdir()
    pd.DataFrame(
        {
            "customer_id": keys[:2],
            "category": ["母婴用品", "食品"],
            "segment": [1, 1],
            "segment_name": ["高价值", "高价值"],
            "score": [0.91234, 0.8],
            "rank": [1, 2],
            "reasons": ["常买母婴", "近期购买"],
        }
    ).to_csv(out / "actions" / "propensity_targets.csv", index=False, encoding="utf-8-sig")
    return out, reid, dict(zip(keys, ["00012345", "00067890", "12345", "A-0042"]))


def test_lists_carry_crm_ids_words_and_rounded_figures_in_the_run_language(tmp_path):
    out, reid, crm_of = _processed(tmp_path)
    files = crm.write_lists(out, tmp_path / "reports" / "actions", reid, "zh")
    assert [f.stem for f in files] == ["winback", "key_care", "category_targets"]
    win = pd.read_csv(files[0], encoding="utf-8-sig", dtype=str)
    assert list(win.columns)[:3] == ["客户编号", "行动", "原因"]
    # key/important and sleeping/churned, most valuable first; zero-padded ids intact
    assert win["客户编号"].tolist() == ["00012345", "12345"]
    assert win["原因"].iloc[0] == "大客户，沉睡：200 天未购买"
    assert (
        win["12 个月客户终身价值"].iloc[0] == "1235"
        and win["90 天内不再购买的概率"].iloc[0] == "0.81"
    )
    assert win["客群"].iloc[1].startswith("'=")  # a formula segment name stays text
    care = pd.read_csv(files[1], encoding="utf-8-sig", dtype=str)
    assert care["客户编号"].tolist() == ["00067890"]
    cat = pd.read_excel(files[2].with_suffix(".xlsx"), dtype=str)
    assert (
        cat["客户编号"].tolist() == ["00012345", "00067890"]
        and cat["行动"].iloc[0] == "推荐品类：母婴用品"
    )
    from openpyxl import load_workbook

    ws = load_workbook(files[2].with_suffix(".xlsx")).active
    assert ws["A2"].value == "00012345" and ws["A2"].data_type == "s"  # text, not the number 12345
    assert isinstance(ws["D2"].value, float) and ws["D2"].value == 0.91


def test_lists_written_a_few_at_a_time_equal_the_lists_written_together(tmp_path):
    """``make report`` writes each list once its stage has finished (``names``): the files are
    those of one call for all, and a list not named is neither built nor written."""
    out, reid, _ = _processed(tmp_path)
    together = crm.write_lists(out, tmp_path / "all", reid, "zh")
    apart = crm.write_lists(out, tmp_path / "apart", reid, "zh", names=("category_targets",))
    apart += crm.write_lists(out, tmp_path / "apart", reid, "zh", names=("key_care", "winback"))
    assert [f.stem for f in crm.in_list_order(apart)] == [f.stem for f in together]
    for f in together:  # the CSVs byte for byte (a workbook records its creation time)
        assert (tmp_path / "apart" / f.name).read_bytes() == f.read_bytes()
    assert crm.write_lists(out, tmp_path / "none", reid, "zh", names=("complaint_followup",)) == []
    assert not (tmp_path / "none").exists() or not list((tmp_path / "none").iterdir())


def test_a_list_this_run_does_not_have_leaves_no_file_of_an_earlier_run(tmp_path):
    """A run's pages are built in a copy of the previous run's folder: a list that is empty this
    time (no target left) must not leave last run's CSV and workbook for a CRM operator to load;
    a list not asked for (``names``) is left alone."""
    out, reid, _ = _processed(tmp_path)
    folder = tmp_path / "reports" / "actions"
    first = crm.write_lists(out, folder, reid, "zh")
    assert "category_targets" in [f.stem for f in first]
    (out / "actions" / "propensity_targets.csv").unlink()  # this run: no category targets
    again = crm.write_lists(out, folder, reid, "zh", names=("category_targets", "winback"))
    assert [f.stem for f in again] == ["winback"]
    assert not (folder / "category_targets.csv").exists()
    assert not (folder / "category_targets.xlsx").exists()
    assert (folder / "key_care.csv").exists()  # not asked for: untouched


def test_machine_headers_and_pseudonyms_when_the_reid_table_is_missing(tmp_path):
    out, reid, _ = _processed(tmp_path)
    files = crm.write_lists(out, tmp_path / "r", reid, "en", machine=True)
    win = pd.read_csv(files[0], encoding="utf-8-sig", dtype=str)
    assert (
        list(win.columns)[:3] == ["crm_id", "action", "reason"]
        and win["action"].iloc[0] == "win back"
    )
    files = crm.write_lists(out, tmp_path / "r2", tmp_path / "missing.parquet", "en")
    win = pd.read_csv(files[0], encoding="utf-8-sig", dtype=str)
    assert (win["Id kind"] == "pseudonym").all() and win["CRM id"].str.startswith("K").all()


def test_headers_state_the_runs_clv_horizon_and_risk_window(tmp_path):
    """A run with a 6-month CLV horizon and a 30-day risk window says so in its headers, in
    words and in the machine names (issue 17: the figures behind an action are stated on the
    run's own basis); the defaults keep their names (clv_12m, churn_risk_90d)."""
    out, reid, _ = _processed(tmp_path)
    (out / "params.yaml").write_text("value: {horizon_months: 6, lifecycle: {risk_days: 30}}\n")
    files = crm.write_lists(out, tmp_path / "zh", reid, "zh")
    win = pd.read_csv(files[0], encoding="utf-8-sig", dtype=str)
    assert "6 个月客户终身价值" in win.columns and "30 天内不再购买的概率" in win.columns
    assert not any("12 个月" in c or "90 天" in c for c in win.columns), list(win.columns)
    files = crm.write_lists(out, tmp_path / "en", reid, "en", machine=True)
    win = pd.read_csv(files[0], encoding="utf-8-sig", dtype=str)
    assert {"clv_6m", "churn_risk_30d"} <= set(win.columns), list(win.columns)


def test_a_list_longer_than_an_excel_sheet_is_csv_only_and_the_index_says_so(tmp_path, monkeypatch):
    out, reid, _ = _processed(tmp_path)
    folder = tmp_path / "reports" / "actions"
    folder.mkdir(parents=True)
    (folder / "winback.xlsx").write_bytes(b"an earlier run's workbook")
    monkeypatch.setattr(crm, "EXCEL_ROWS", 2)  # winback: 2 rows + header, too many
    files = crm.write_lists(out, folder, reid, "en")
    assert [f.stem for f in files] == ["winback", "key_care", "category_targets"]
    assert not (folder / "winback.xlsx").exists()  # no stale workbook beside the new CSV
    assert len(pd.read_csv(folder / "winback.csv", encoding="utf-8-sig")) == 2
    assert (folder / "key_care.xlsx").exists()  # 1 row + header fits


def test_workbook_cells_keep_text_as_text_and_leave_missing_values_empty(tmp_path):
    from kequn.data.io import write_table_atomic
    from openpyxl import load_workbook

    df = pd.DataFrame(
        {
            "id": ["007", "=1+1", "https://example.com/x"],
            "score": [0.5, float("nan"), float("inf")],
            "n": [1, 2, 3],
            "when": pd.to_datetime(["2026-01-02 03:04:05", None, "2026-02-01 00:00:00"]),
        }
    )
    ws = load_workbook(write_table_atomic(df, tmp_path / "t.xlsx")).active
    assert [c.value for c in ws[1]] == ["id", "score", "n", "when"]
    assert [ws[f"A{r}"].value for r in (2, 3, 4)] == ["007", "=1+1", "https://example.com/x"]
    assert {ws[f"A{r}"].data_type for r in (2, 3, 4)} == {"s"}  # no formula, number or link
    assert ws["A4"].hyperlink is None
    assert ws["B2"].value == 0.5 and ws["B3"].value is None and ws["B4"].value is None
    assert [ws[f"C{r}"].value for r in (2, 3, 4)] == [1, 2, 3]
    assert ws["D2"].is_date and ws["D2"].value.isoformat() == "2026-01-02T03:04:05"
    assert ws["D3"].value is None


def test_workbook_columns_fit_their_text_and_the_header_stays_in_view(tmp_path):
    from kequn.data.io import write_table_atomic
    from openpyxl import load_workbook

    df = pd.DataFrame({"客户编号": ["00012345"], "原因": ["大客户，沉睡：200 天未购买"], "n": [1]})
    ws = load_workbook(write_table_atomic(df, tmp_path / "t.xlsx")).active
    assert ws.freeze_panes == "A2"
    widths = {c: ws.column_dimensions[c].width for c in "ABC"}
    assert widths["B"] > widths["A"] > widths["C"] >= 8  # 27 wide characters > 8 narrow ones
    assert widths["B"] >= 2 * 12  # the Chinese reason is not cut to a default column


def _members(path) -> dict:
    """A workbook's files (its creation time aside), to compare two workbooks byte for byte."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def _both_writers(df, folder, monkeypatch) -> tuple[dict, dict]:
    """The workbook of ``df`` from the block path and from xlsxwriter cell by cell."""
    from kequn.data import io

    io.write_xlsx(df, folder / "blocks.xlsx")
    with monkeypatch.context() as m:
        m.setattr(io, "_xlsx_kind", lambda col: None)  # every column cell by cell
        io.write_xlsx(df, folder / "cells.xlsx")
    return _members(folder / "blocks.xlsx"), _members(folder / "cells.xlsx")


_CELL_TEXT = st.one_of(
    st.none(),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=12).filter(
        lambda s: not (s.startswith("<r>") and s.endswith("</r>"))  # see the test below
    ),
    st.sampled_from(
        ["007", " 前后有空格 ", "a_x0041_b", '<&>"', "&R", "R&D", "x<", "\x01\t\n", "=1+1", "中文"]
    ),
)
_CELL_FLOAT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 0.91, 1e20, 12345678901234567.0]),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            _CELL_TEXT,
            _CELL_FLOAT,
            st.integers(-(2**62), 2**62),
            st.one_of(st.none(), st.datetimes(dt.datetime(1899, 12, 31), dt.datetime(2200, 1, 1))),
            st.one_of(st.none(), st.integers(-5, 5)),
        ),
        min_size=1,
        max_size=40,
    ),
    st.integers(1, 7),
)
def test_workbook_rows_in_blocks_are_the_bytes_xlsxwriter_writes_cell_by_cell(
    tmp_path, monkeypatch, rows, block
):
    """The action lists' fast workbook path (each distinct value's XML once, rows joined by
    Arrow in blocks) writes the very file xlsxwriter's per-cell path writes: text (control
    characters, whitespace, XML characters, escape look-alikes), floats (-0.0, ±inf, NaN),
    integers, nullable integers, dates with a format, categories, missing cells, whole rows
    empty, over several blocks."""
    from kequn.data import io

    text, floats, ints, when, nullable = map(list, zip(*rows))
    df = pd.DataFrame(
        {
            "text": pd.Series(text, dtype=object),
            "float": floats,
            "int": ints,
            "when": pd.to_datetime(pd.Series(when, dtype=object)),
            "Int64": pd.array(nullable, dtype="Int64"),
            "arrow": pd.Series(text, dtype="string[pyarrow]"),
            "category": pd.Categorical(text),
        }
    )
    df.loc[df.index[::3], ["float", "when", "Int64"]] = None  # rows left empty here and there
    monkeypatch.setattr(io, "_xlsx_rows", functools.partial(io._xlsx_rows, block=block))
    blocks, cells = _both_writers(df, tmp_path, monkeypatch)
    assert blocks.keys() == cells.keys()
    for name in cells:
        assert blocks[name] == cells[name], name


def test_text_shaped_like_xlsxwriters_rich_string_is_escaped_as_text(tmp_path):
    """xlsxwriter writes a string shaped ``<r>…</r>`` into the sheet unescaped (its inline rich
    text); from an export that would be markup in the file. The block path escapes it."""
    from kequn.data.io import write_table_atomic
    from openpyxl import load_workbook

    df = pd.DataFrame({"id": ["<r><t>x</t></r>", "plain"]})
    ws = load_workbook(write_table_atomic(df, tmp_path / "t.xlsx")).active
    assert ws["A2"].value == "<r><t>x</t></r>" and ws["A3"].value == "plain"


_CELLS = st.one_of(
    st.none(),
    st.just(float("nan")),
    st.integers(-5, 5),
    st.sampled_from(
        [
            "=1+1",
            "+x",
            "-2",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "'=q",
            "plain",
            "",
            "中文",
            "=\ud800x",
            "\udfff",
        ]
    ),
    st.text(max_size=6),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    columns=st.lists(st.lists(_CELLS, min_size=6, max_size=6), min_size=1, max_size=4),
    arrow=st.booleans(),
)
def test_formulas_neutralised_by_column_are_the_cells_neutralised_one_by_one(columns, arrow):
    """neutralise_formulas finds formula cells with Arrow's regex over whole text columns; the
    result must be exactly ``neutralise_cell`` applied cell by cell (mixed columns, missing
    values, Arrow strings), and reading a list back (``_read_action``) must undo exactly it."""
    from kequn.data.actions import (
        QUOTED_FORMULA_RE,
        cells_matching,
        neutralise_cell,
        neutralise_formulas,
    )

    df = pd.DataFrame({f"c{i}": c for i, c in enumerate(columns)}, index=range(10, 16))
    if arrow:  # text columns as Arrow strings (a lone surrogate cannot be one: left as is)
        for c in df.columns:
            if pd.api.types.infer_dtype(df[c], skipna=True) == "string":
                try:
                    df[c] = df[c].astype("string[pyarrow]")
                except UnicodeError:
                    pass
    before = df.copy()
    got = neutralise_formulas(df)
    pd.testing.assert_frame_equal(df, before)  # the input is left alone
    for c in df.columns:
        want = [v if pd.isna(v) is True else neutralise_cell(v) for v in df[c].astype(object)]
        assert [None if pd.isna(v) is True else v for v in got[c].astype(object)] == [
            None if pd.isna(v) is True else v for v in want
        ], c
        cells = got[c].astype(object)
        quoted = cells_matching(cells, QUOTED_FORMULA_RE)
        if quoted is not None and not cells[~quoted].astype(str).str.startswith("'").any():
            back = cells.where(~quoted, cells.astype(str).str[1:])  # what _read_action undoes
            assert back.tolist() == df[c].astype(object).tolist() or df[c].isna().any()
