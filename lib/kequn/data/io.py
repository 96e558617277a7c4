"""Reading users' files and writing artifacts atomically.

Reading (``read_export``): the file type is taken from the content, not the name (CSV,
gzip or zip holding one CSV, Parquet, Excel .xlsx with openpyxl and legacy .xls with xlrd); CSV comes in any common encoding (UTF-8 with or
without BOM, UTF-16, GBK/GB18030) and delimiter (``,`` ``;`` tab ``|``, sniffed). Every CSV
and Excel cell comes as the text it holds: no type is inferred, so ``00123`` stays
``00123`` and a 20-digit key stays 20 digits; intake, not the reader, decides types.
Parquet keeps its own types (integer keys become their digits, whole-number float keys lose
their ``.0`` in ``coerce.parse_id``). Broken lines (too few or too many fields) are listed
with their line numbers; the physical line number of every row is kept, so messages name
the line a user sees in an editor, even past quoted line breaks and blank lines.

Writing: every artifact goes to a temporary file in the target folder and is renamed into
place, so a failed run never leaves half a table or half a report.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kequn.data.coerce import STR
from kequn.data.files import (  # noqa: F401  (stdlib-only; here for the callers of io)
    atomic_dir,
    read_yaml,
    tmp_beside,
    write_text_atomic,
)
from kequn.data.problems import InputError, Problem

SUFFIXES = (".csv", ".csv.gz", ".csv.zip", ".tsv", ".txt", ".parquet", ".xlsx", ".xls", ".zip")
# GB18030 is a superset of GBK and GB2312, so one attempt covers all three.
_ENCODINGS = ("utf-8-sig", "gb18030")
DELIMITERS = (",", ";", "\t", "|")
_MAGIC = {b"PAR1": "parquet", b"PK\x03\x04": "zip", b"\x1f\x8b": "gzip", b"\xd0\xcf\x11\xe0": "xls"}
MAX_BROKEN_SHOWN = 5


@dataclass
class Export:
    """One table as read from a user's file.

    Attributes
    ----------
    frame : DataFrame
        All-text columns (CSV, Excel) or Parquet's own types; missing cells are NA.
    lines : ndarray
        Physical line number of each row in the file (header = 1), for messages.
    kind : str
        ``csv``, ``parquet`` or ``excel`` (as found from the content).
    delimiter, encoding, sheet : str or None
        What was sniffed or chosen, stated in ``quality.json``.
    broken : list of (line, expected, found, text)
        Lines that could not be split into the header's number of fields (left out).
    renamed_headers : dict
        Repeated headers renamed ``name (2)``, … to keep both columns.
    """

    frame: pd.DataFrame
    lines: np.ndarray
    kind: str
    delimiter: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    broken: list = field(default_factory=list)
    renamed_headers: dict = field(default_factory=dict)

    def describe(self) -> dict:
        """What was read, as stated in ``quality.json``."""
        out = {"kind": self.kind}
        for k in ("delimiter", "encoding", "sheet"):
            if getattr(self, k) is not None:
                out[k] = getattr(self, k)
        if self.broken:
            out["broken_lines"] = len(self.broken)
        if self.renamed_headers:
            out["repeated_headers"] = self.renamed_headers
        return out


def detect_encoding(raw: bytes) -> str:
    """The encoding that decodes ``raw`` without error, trying UTF-8 before GB18030.

    UTF-8 is tried first because valid UTF-8 Chinese text is almost never valid GB18030 of
    the same length by accident, while the reverse happens often.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    for enc in _ENCODINGS:
        try:
            raw.decode(enc)
            return enc
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("unknown", raw[:1], 0, 1, "not UTF-8 or GB18030")


def _bad_byte_row(raw: bytes) -> tuple[int, str]:
    """1-based line number and a snippet of the first line that is not valid UTF-8."""
    for i, line in enumerate(raw.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return i, line[:60].decode("utf-8", "replace")
    return 0, ""


def sniff_kind(raw: bytes) -> str:
    """``parquet``, ``zip`` (xlsx or a zipped CSV), ``gzip``, ``xls`` or ``text``, from the
    first bytes: exports are often misnamed (a ".xlsx" that is really CSV)."""
    for magic, kind in _MAGIC.items():
        if raw.startswith(magic):
            return kind
    return "text"


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same number of fields (> 1),
    preferring the one that gives the most fields; quoted fields are respected."""
    head = text[:64_000]
    lines = head.splitlines()[:30]
    if len(lines) > 1 and not head.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line of the sample may be cut
    best, best_n = ",", 1
    for d in DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=d)]
        except csv.Error:
            continue
        if not counts:
            continue
        n = counts[0]
        consistent = sum(c == n for c in counts) >= 0.8 * len(counts)
        if n > best_n and consistent:
            best, best_n = d, n
    return best


def _unique_headers(names: list[str]) -> tuple[list[str], dict]:
    """Headers made unique (``name (2)``) and which were repeated, so a repeated header is
    reported rather than crashing the reader."""
    seen: dict[str, int] = {}
    out, renamed = [], {}
    for n in names:
        n = str(n).strip().lstrip("\ufeff")
        if n in seen:
            seen[n] += 1
            new = f"{n} ({seen[n]})"
            renamed[new] = n
            out.append(new)
        else:
            seen[n] = 1
            out.append(n)
    return out, renamed


def _csv_lines(text: str, delimiter: str) -> list[int]:
    """Physical start line of every record after the header (blank lines skipped), with
    Python's csv module: only used when line numbers cannot be counted directly (quoted
    line breaks, blank lines, broken lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    starts, prev_end = [], 0
    for row in reader:
        start = prev_end + 1
        prev_end = reader.line_num
        if row:
            starts.append(start)
    return starts[1:]


def norm_header(h) -> str:
    """A header as matched against the contract: case, spaces, ``_`` and ``-`` ignored."""
    return re.sub(r"[\s_\-]+", "", str(h)).lower()


def _read_csv_text(text: str, name: str, encoding: str, data: bytes | None = None) -> Export:
    """All-text columns from CSV text, with broken lines listed and line numbers kept;
    ``data`` is the same text as UTF-8 bytes when the file already was UTF-8."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    delimiter = sniff_delimiter(text)
    first = next(csv.reader(io.StringIO(text[:1_000_000], newline=""), delimiter=delimiter), [])
    if not first or not any(str(h).strip() for h in first):
        raise InputError([Problem.of("no_columns", name)])
    headers, renamed = _unique_headers(first)
    if data is None:
        data = text.encode("utf-8")
    broken: list = []

    def keep_aside(row):
        broken.append((row.number, row.expected_columns, row.actual_columns, row.text))
        return "skip"

    def parse(threads: bool):
        broken.clear()
        return pcsv.read_csv(
            io.BytesIO(data),
            read_options=pcsv.ReadOptions(
                column_names=headers,
                skip_rows=1,
                use_threads=threads,
                block_size=max(1 << 24, min(len(data) + 1, 1 << 30)),
            ),
            parse_options=pcsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, invalid_row_handler=keep_aside
            ),
            convert_options=pcsv.ConvertOptions(
                column_types={h: pa.string() for h in headers},
                strings_can_be_null=True,
                null_values=[""],
                quoted_strings_can_be_null=True,
            ),
        )

    try:
        table = parse(True)
        if broken:  # line numbers of broken lines are only known single-threaded
            table = parse(False)
    except (pa.ArrowInvalid, pa.ArrowException) as e:
        raise InputError(
            [Problem.of("unreadable", name, detail=str(e).splitlines()[0][:200])]
        ) from None
    n = table.num_rows
    n_lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if n_lines == 1 + n + len(broken):
        lines = np.arange(2, n + 2, dtype=np.int64)  # one line per record: count directly
        if broken:
            rec = (
                np.array([b[0] for b in broken], dtype=np.int64) - 1
            )  # 1-based records incl. header
            good = np.setdiff1d(np.arange(1, n + len(broken) + 1), rec)
            lines = good + 1
            broken = [(int(r + 1), *b[1:]) for r, b in zip(rec, broken)]
    else:
        starts = np.asarray(_csv_lines(text, delimiter), dtype=np.int64)
        rec = np.array([b[0] for b in broken], dtype=np.int64) - 2  # 0-based data records
        mask = np.ones(len(starts), bool)
        mask[rec[(rec >= 0) & (rec < len(starts))]] = False
        lines = starts[mask][:n]
        if len(lines) < n:  # the csv module and Arrow disagree: fall back to record order
            lines = np.arange(2, n + 2, dtype=np.int64)
        broken = [
            (int(starts[r]) if 0 <= r < len(starts) else int(r + 2), *b[1:])
            for r, b in zip(rec, broken)
        ]
    df = table.to_pandas(types_mapper={pa.string(): STR, pa.large_string(): STR}.get)
    return Export(
        df,
        lines,
        "csv",
        delimiter=delimiter,
        encoding=encoding,
        broken=broken,
        renamed_headers=renamed,
    )


def _decode(raw: bytes, name: str) -> tuple[str, str, bytes | None]:
    if not raw.strip():
        raise InputError([Problem.of("empty_file", name)])
    try:
        enc = detect_encoding(raw)
    except UnicodeDecodeError:
        row, snippet = _bad_byte_row(raw)
        raise InputError(
            [
                Problem.of(
                    "bad_encoding",
                    name,
                    rows=[row] if row else [],
                    values=[snippet] if snippet else [],
                    count=1,
                )
            ]
        ) from None
    text = raw.decode(enc)
    if enc == "utf-8-sig":  # already UTF-8: Arrow reads the bytes as they are
        return text.lstrip("\ufeff"), "utf-8", raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    return text.lstrip("\ufeff"), enc, None


def _csv_from_bytes(raw: bytes, name: str) -> Export:
    text, enc, data = _decode(raw, name)
    return _read_csv_text(text, name, enc, data)


def _read_excel(source, name: str, sheet=None, expected=None) -> Export:
    """The sheet named ``sheet``, else the one whose header row holds most of the
    ``expected`` headers (normalised), else the first; every cell as the text it shows."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except Exception as e:  # a damaged or password-protected workbook: the user's file
        raise InputError(
            [Problem.of("unreadable", name, detail=str(e).splitlines()[0][:200])]
        ) from None
    try:
        names = book.sheetnames
        if sheet is not None:
            if str(sheet) not in names:
                raise InputError(
                    [Problem.of("sheet_not_found", name, sheet=sheet, sheets=", ".join(names))]
                )
            chosen = str(sheet)
        else:
            chosen = _best_sheet(book, expected)
        rows = [[_cell_text(c) for c in row] for row in book[chosen].iter_rows()]
    finally:
        book.close()
    return _sheet_export(rows, name, chosen)


def _sheet_export(rows: list[list], name: str, chosen: str) -> Export:
    """A sheet's cells (text or None, row by row) as an export: the first row is the header,
    empty rows are left out, each row keeps its line number in the sheet."""
    while rows and not any(v is not None for v in rows[-1]):
        rows.pop()
    if not rows or not any(v is not None for v in rows[0]):
        raise InputError([Problem.of("no_columns", f"{name} [{chosen}]")])
    width = max(i + 1 for i, v in enumerate(rows[0]) if v is not None)
    headers, renamed = _unique_headers(
        [v if v is not None else f"column {i + 1}" for i, v in enumerate(rows[0][:width])]
    )
    body = [r[:width] + [None] * (width - len(r)) for r in rows[1:]]
    keep = [i for i, r in enumerate(body) if any(v is not None for v in r)]
    df = pd.DataFrame([body[i] for i in keep], columns=headers, dtype=object).astype(STR)
    lines = np.asarray(keep, dtype=np.int64) + 2
    return Export(df, lines, "excel", sheet=chosen, renamed_headers=renamed)


def _read_xls(raw: bytes, name: str, sheet=None, expected=None) -> Export:
    """A legacy Excel workbook (.xls, BIFF) read with xlrd as ``_read_excel`` reads .xlsx:
    the sheet named ``sheet``, else the one whose header row holds most ``expected`` headers,
    every cell as the text it shows."""
    try:
        import xlrd
    except ImportError:  # an environment set up without requirements.txt
        raise InputError([Problem.of("xls_reader_missing", name)]) from None
    try:
        book = xlrd.open_workbook(file_contents=raw, formatting_info=True, on_demand=True)
    except Exception as e:  # a damaged or encrypted workbook: the user's file
        raise InputError(
            [Problem.of("unreadable", name, detail=str(e).splitlines()[0][:200])]
        ) from None
    try:
        names = book.sheet_names()
        if sheet is not None:
            if str(sheet) not in names:
                raise InputError(
                    [Problem.of("sheet_not_found", name, sheet=sheet, sheets=", ".join(names))]
                )
            chosen = str(sheet)
        elif not expected or len(names) == 1:
            chosen = names[0]
        else:
            scores = []
            for n in names:
                ws = book.sheet_by_name(n)
                head = ws.row_values(0) if ws.nrows else []
                scores.append(sum(norm_header(v) in expected for v in head if v != ""))
            chosen = names[int(np.argmax(scores))]
        ws = book.sheet_by_name(chosen)
        rows = [[_xls_cell_text(book, c) for c in ws.row(i)] for i in range(ws.nrows)]
    finally:
        book.release_resources()
    return _sheet_export(rows, name, chosen)


def _xls_cell_text(book, cell) -> str | None:
    """The text an .xls cell shows, as ``_cell_text`` for .xlsx: whole numbers without
    ``.0``, zero-padded number formats padded, dates as ISO text, errors missing."""
    import xlrd

    kind, v = cell.ctype, cell.value
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return None
    if kind == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if v else "FALSE"
    if kind == xlrd.XL_CELL_DATE:
        try:
            when = xlrd.xldate_as_datetime(v, book.datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return repr(v)
        return when.time().isoformat() if v < 1 else when.isoformat(sep=" ")
    if kind == xlrd.XL_CELL_NUMBER:
        xf = book.xf_list[cell.xf_index] if cell.xf_index is not None else None
        fmt = book.format_map[xf.format_key].format_str if xf is not None else "General"
        if float(v).is_integer() and abs(v) < 1e15:
            v = int(v)
            return str(v).zfill(len(fmt)) if fmt and set(fmt) == {"0"} else str(v)
        return repr(float(v))
    s = str(v).strip()
    return s or None


def _best_sheet(book, expected) -> str:
    names = book.sheetnames
    if not expected or len(names) == 1:
        return names[0]

    def score(ws):
        for row in ws.iter_rows(max_row=1, values_only=True):
            return sum(norm_header(v) in expected for v in row if v is not None)
        return 0

    scores = [score(book[n]) for n in names]
    return names[int(np.argmax(scores))]


def _cell_text(cell) -> str | None:
    """The text a cell shows: whole numbers without ``.0``, zero-padded number formats
    (``00000``) padded, dates as ISO text."""
    import datetime as dt

    v = cell.value
    if v is None:
        return None
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        fmt = getattr(cell, "number_format", "General") or "General"
        if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
            v = int(v)
        if isinstance(v, int) and set(fmt) == {"0"}:
            return str(v).zfill(len(fmt))
        return str(v) if isinstance(v, int) else repr(v)
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v.isoformat()
    if isinstance(v, dt.time):
        return v.isoformat()
    s = str(v).strip()
    return s or None


def read_export(path: str | Path, sheet=None, expected_headers=None) -> Export:
    """Read one table from a user's file; raise ``InputError`` for what the user can fix.

    Parameters
    ----------
    path : path
        The file; its type is found from its content (a misnamed file is read as what it is).
    sheet : str, optional
        Excel sheet to read; by default the one whose header row holds most
        ``expected_headers`` (normalised header spellings).
    expected_headers : set of str, optional
        Normalised headers that identify the table's sheet in a workbook.
    """
    p = Path(path)
    name = p.name
    if not p.is_file():
        raise InputError([Problem.of("file_not_found", str(p))])
    raw = p.read_bytes()
    kind = sniff_kind(raw)
    try:
        if kind == "gzip":
            raw = gzip.decompress(raw)
            kind = sniff_kind(raw)
        if kind == "zip":
            zf = zipfile.ZipFile(io.BytesIO(raw))
            members = [m for m in zf.namelist() if not m.endswith("/")]
            if "[Content_Types].xml" in members:
                ex = _read_excel(io.BytesIO(raw), name, sheet, expected_headers)
            else:
                data_members = [m for m in members if not Path(m).name.startswith((".", "__"))]
                if len(data_members) != 1:
                    raise InputError(
                        [Problem.of("zip_members", name, members=", ".join(data_members[:10]))]
                    )
                inner = zf.read(data_members[0])
                if sniff_kind(inner) == "parquet":
                    return _from_parquet(io.BytesIO(inner))
                ex = _csv_from_bytes(inner, name)
        elif kind == "parquet":
            ex = _from_parquet(p)
        elif kind == "xls":
            ex = _read_xls(raw, name, sheet, expected_headers)
        else:
            ex = _csv_from_bytes(raw, name)
    except InputError:
        raise
    except (pd.errors.ParserError, ValueError, OSError, zipfile.BadZipFile, EOFError) as e:
        raise InputError(
            [Problem.of("unreadable", name, detail=str(e).splitlines()[0][:200])]
        ) from None
    df = ex.frame
    if df.shape[1] == 0 or (df.shape[0] == 0 and df.shape[1] <= 1 and not ex.broken):
        raise InputError([Problem.of("no_columns", name)])
    if ex.kind != "parquet":  # typed Parquet text is taken as written
        for c in df.columns:
            if df[c].dtype == object or str(df[c].dtype) == "string":
                s = df[c].astype(STR).str.strip()
                df[c] = s.mask(s == "")
    return ex


def _from_parquet(source) -> Export:
    df = _read_parquet(source)
    headers, renamed = _unique_headers(list(df.columns))
    df.columns = headers
    return Export(df, np.arange(2, len(df) + 2, dtype=np.int64), "parquet", renamed_headers=renamed)


def read_table(path: str | Path) -> pd.DataFrame:
    """Read one table as all-text columns (missing cells are NA); raise ``InputError``,
    also for broken lines (``read_export`` lists them instead)."""
    ex = read_export(path)
    if ex.broken:
        raise InputError([broken_lines_problem(ex, Path(path).name)])
    return ex.frame


def broken_lines_problem(ex: Export, name: str) -> Problem:
    """One problem listing the broken lines of ``ex`` (line, fields expected and found)."""
    first = ex.broken[0]
    return Problem.of(
        "broken_lines",
        name,
        rows=[b[0] for b in ex.broken[:MAX_BROKEN_SHOWN]],
        values=[b[3][:80] for b in ex.broken[:3]],
        count=len(ex.broken),
        expected=first[1],
        found=first[2],
        n=len(ex.broken),
    )


def _read_parquet(path, batch_rows: int = 2_000_000) -> pd.DataFrame:
    """Parquet with its own types (dates stay dates), text as Arrow-backed strings.

    Converted batch by batch: converting a whole 30M-row table at once holds the Arrow
    table, the pandas copy and a string-width cast together (8 GB for 29M orders); in
    batches the peak is about the result plus one batch (4.8 GB measured).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts = []
    for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows):
        tb = pa.Table.from_batches([batch])
        # pandas keeps Arrow strings as large_string: cast once here, not again per column
        wide = pa.schema(
            [f.with_type(pa.large_string()) if pa.types.is_string(f.type) else f for f in tb.schema]
        )
        parts.append(
            tb.cast(wide).to_pandas(
                types_mapper={pa.large_string(): STR}.get, split_blocks=True, self_destruct=True
            )
        )
        del tb, batch
    if not parts:
        return pq.read_table(path).to_pandas()
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def find_table(folder: str | Path, name: str, file_name: str | None = None) -> Path | None:
    """The file holding table ``name`` in ``folder`` (``name.csv``, ``name.parquet``, …)."""
    folder = Path(folder)
    if file_name:
        return folder / file_name
    for suf in SUFFIXES:
        p = folder / f"{name}{suf}"
        if p.exists():
            return p
    return None


def write_table_atomic(df: pd.DataFrame, path: str | Path, encoding: str = "utf-8") -> Path:
    """Write ``df`` by its suffix (.parquet, .csv, .xlsx) via a temp file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_beside(path)
    try:
        if path.suffix == ".parquet":
            df.to_parquet(tmp, index=False)
        elif path.suffix == ".xlsx":
            write_xlsx(df, tmp)
        else:
            df.to_csv(tmp, index=False, encoding=encoding)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _display_width(text: str) -> int:
    """Columns of a spreadsheet cell that ``text`` fills: East Asian wide characters count 2."""
    import unicodedata

    return len(text) + sum(unicodedata.east_asian_width(ch) in "WF" for ch in text) + 1


def write_xlsx(df: pd.DataFrame, path: str | Path) -> None:
    """``df`` as the first sheet of an .xlsx workbook, streamed with xlsxwriter.

    Why not ``DataFrame.to_excel``: through openpyxl a 750k-row action list took over a minute
    and held the whole sheet in memory. Text stays text: a string is never read as a formula,
    a URL or a number (ids keep their leading zeros); missing values are empty cells; dates and
    times get a date format. Columns are as wide as their header and first thousand values
    (Chinese counted double, at most 60) and the header row stays in view, as an operator would
    set them by hand. The rows are written as the XML xlsxwriter writes for them, built once per
    distinct value of a column and joined per block of rows (``_xlsx_rows``): xlsxwriter's own
    cell-by-cell path (``_write_xlsx_cells``, kept for columns of other types) took 4.6x the CPU
    on the 751k-row list of 1M customers (32.8 s against 7.2 s)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    try:
        sheet = book.add_worksheet("Sheet1")
        stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        kinds = [_xlsx_kind(df.iloc[:, i]) for i in range(df.shape[1])]
        for i in range(df.shape[1]):
            head = _xlsx_values(df.iloc[:1000, i])
            shown = [str(df.columns[i])] + [str(v) for v in head if v is not None]
            when = pd.api.types.is_datetime64_any_dtype(df.iloc[:, i])
            sheet.set_column(i, i, 20 if when else min(60, max(8, *map(_display_width, shown))))
        sheet.freeze_panes(1, 0)  # the header stays in view while scrolling
        sheet.write_row(0, 0, [str(c) for c in df.columns])
        if None in kinds or df.empty:
            _write_xlsx_cells(df, sheet, stamp)
        else:
            _xlsx_rows(df, kinds, sheet, stamp)
    finally:
        book.close()


def _xlsx_values(col: pd.Series) -> list:
    """A column's cells as the workbook holds them: naive datetimes, None for missing."""
    if pd.api.types.is_datetime64_any_dtype(col) and col.dt.tz is not None:
        col = col.dt.tz_localize(None)
    return col.astype(object).where(col.notna(), None).tolist()


def _xlsx_kind(col: pd.Series) -> str | None:
    """``text``, ``number`` or ``date`` when every cell of ``col`` is written the same way
    (``_xlsx_rows``); None for a column of other or mixed types (booleans, objects)."""
    if pd.api.types.is_datetime64_any_dtype(col):
        return "date"
    if pd.api.types.is_bool_dtype(col):
        return None
    if pd.api.types.is_numeric_dtype(col) and not isinstance(col.dtype, pd.CategoricalDtype):
        return "number"
    if isinstance(col.dtype, pd.StringDtype):
        return "text"
    if col.dtype == object or isinstance(col.dtype, pd.CategoricalDtype):
        present = col.dropna()
        types = set(map(type, present.unique() if len(present) else []))
        return "text" if types <= {str} else None
    return None


def _write_xlsx_cells(df: pd.DataFrame, sheet, stamp) -> None:
    """Rows 2… of ``df`` cell by cell through xlsxwriter (the rule ``_xlsx_rows`` follows)."""
    columns = [_xlsx_values(df.iloc[:, i]) for i in range(df.shape[1])]
    formats = [
        stamp if pd.api.types.is_datetime64_any_dtype(df.iloc[:, i]) else None
        for i in range(df.shape[1])
    ]
    for r, row in enumerate(zip(*columns), start=1):
        for c, (value, fmt) in enumerate(zip(row, formats)):
            if value is None:
                continue
            if isinstance(value, float) and not np.isfinite(value):
                continue  # ±inf: an empty cell, as NaN
            if fmt is not None:
                sheet.write_datetime(r, c, value.to_pydatetime(), fmt)
            elif isinstance(value, str):
                sheet.write_string(r, c, value)
            else:
                sheet.write(r, c, value)


def _xlsx_cell_tail(value, kind: str, sheet, date_style: int) -> str | None:
    """What follows ``<c r="A2`` in xlsxwriter's XML for one value (None: no cell)."""
    from xlsxwriter.utility import _preserve_whitespace
    from xlsxwriter.worksheet import _utf16_len, _utf16_truncate

    if value is None:  # (a code no row has: the float columns' missing key)
        return None
    if kind == "text":
        if len(value) > sheet.xls_strmax // 2 and _utf16_len(value) > sheet.xls_strmax:
            value = _utf16_truncate(value, sheet.xls_strmax)
        value = sheet._escape_control_characters(value)
        space = ' xml:space="preserve"' if _preserve_whitespace(value) else ""
        # escaped always, also text shaped like xlsxwriter's inline rich string (<r>…</r>)
        return f'" t="inlineStr"><is><t{space}>{sheet._escape_data(value)}</t></is></c>'
    if kind == "date":
        number = sheet._convert_date_time(value.to_pydatetime())
        return f'" s="{date_style}"><v>{number:.16G}</v></c>'
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return f'"><v>{value:.16G}</v></c>'


# Text that xlsxwriter writes as it is between <t> and </t>: no XML or control characters,
# no _xHHHH_ escape look-alike, ends that cannot be whitespace; anything else goes through
# xlsxwriter's own escaping (_xlsx_cell_tail).
_PLAIN_END = r"[!-%'-;=?-~\x{4e00}-\x{9fff}]"
_PLAIN_TEXT = rf"^{_PLAIN_END}(?:[^&<>\x00-\x1f\x7f-\x9f\x{{fffe}}\x{{ffff}}]*{_PLAIN_END})?$"


def _xlsx_tails(uniques: np.ndarray, kind: str, sheet, date_style: int) -> list:
    """``_xlsx_cell_tail`` of each distinct value; plain text joined by Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    tails = np.empty(len(uniques), dtype=object)
    rest = np.ones(len(uniques), dtype=bool)
    if kind == "text" and len(uniques):
        u = pa.array(uniques, type=pa.large_string())
        plain = pc.and_(
            pc.and_(
                pc.match_substring_regex(u, _PLAIN_TEXT), pc.less_equal(pc.utf8_length(u), 16383)
            ),
            pc.invert(pc.match_substring_regex(u, "_x[0-9a-fA-F]{4}_")),
        )
        plain = plain.to_numpy(zero_copy_only=False)
        head, foot, empty = (
            pa.scalar(x, pa.large_string())
            for x in ('" t="inlineStr"><is><t>', "</t></is></c>", "")
        )
        joined = pc.binary_join_element_wise(head, u.filter(pa.array(plain)), foot, empty)
        tails[plain] = joined.to_numpy(zero_copy_only=False)
        rest = ~plain
    tails[rest] = [_xlsx_cell_tail(v, kind, sheet, date_style) for v in uniques[rest]]
    return tails.tolist()


def _first_positions(codes: np.ndarray, n: int) -> np.ndarray:
    """Position of the first row of each of ``n`` codes (codes below 0 left out)."""
    pos = np.full(n, -1, dtype=np.int64)
    ok = np.flatnonzero(codes >= 0)
    pos[codes[ok][::-1]] = ok[::-1]  # the last assignment wins: the first row
    return pos


def _xlsx_rows(df: pd.DataFrame, kinds: list, sheet, stamp, block: int = 50_000) -> None:
    """Rows 2… of ``df`` written into xlsxwriter's sheet data as the XML its cell-by-cell path
    writes (``_write_xlsx_cells``; the same bytes, tested): each distinct value's cell XML is
    built once and the rows are joined by Arrow per block of rows.

    Uses xlsxwriter's internals (its constant-memory row file, dimensions and escaping),
    pinned by the version in requirements.txt and by the test that compares the bytes."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from xlsxwriter.utility import xl_col_to_name

    sheet._write_single_row(1)  # the header row goes out first, as row 2 would push it
    dated = any(k == "date" and df.iloc[:, i].notna().any() for i, k in enumerate(kinds))
    date_style = stamp._get_xf_index() if dated else None  # a style only once it is used
    tails = []
    for i, kind in enumerate(kinds):
        values = np.array(_xlsx_values(df.iloc[:, i]) + [None], dtype=object)[:-1]
        key = values
        if pd.api.types.is_float_dtype(df.iloc[:, i]):  # by bits: -0.0 is written "-0"
            key = np.where(values == None, np.nan, values).astype(float).view(np.int64)  # noqa: E711
            key = np.where(values == None, np.iinfo(np.int64).min, key)  # noqa: E711
        codes, first = pd.factorize(key)
        codes = np.where(values == None, -1, codes)  # noqa: E711
        uniques = values[_first_positions(codes, len(first))]
        tails.append((_xlsx_tails(uniques, kind, sheet, date_style), codes))
    big = pa.large_string()
    tails = [(pa.array(tail, type=big), codes) for tail, codes in tails]
    names = [pa.scalar(f'<c r="{xl_col_to_name(i)}', big) for i in range(len(kinds))]
    start_row, end_row, empty = (pa.scalar(x, big) for x in ('<row r="', '">', ""))
    last, used = 0, set()
    for start in range(0, len(df), block):
        stop = min(start + block, len(df))
        rows = pc.cast(pa.array(np.arange(start + 2, stop + 2)), big)
        cells, any_cell = [], np.zeros(stop - start, dtype=bool)
        for i, (tail, codes) in enumerate(tails):
            c = codes[start:stop]
            cell = pc.binary_join_element_wise(
                names[i], rows, tail.take(pa.array(c, mask=c < 0)), empty
            )
            has = cell.is_valid().to_numpy(zero_copy_only=False)
            if has.any():
                used.add(i)
            any_cell |= has
            cells.append(pc.fill_null(cell, empty))
        if any_cell.any():
            line = pc.binary_join_element_wise(
                start_row, rows, end_row, *cells, pa.scalar("</row>", big), empty
            ).filter(pa.array(any_cell))
            offsets = np.frombuffer(line.buffers()[1], dtype=np.int64)
            sheet.fh.flush()  # text written so far first, then the block's UTF-8 bytes
            sheet.fh.buffer.write(memoryview(line.buffers()[2])[offsets[0] : offsets[len(line)]])
            last = start + 1 + int(np.flatnonzero(any_cell)[-1])
    if last:  # the sheet's dimensions, as _check_dimensions keeps them cell by cell
        sheet.dim_rowmin = 0 if sheet.dim_rowmin is None else sheet.dim_rowmin
        sheet.dim_rowmax = last
        lo, hi = min(used), max(used)
        sheet.dim_colmin = lo if sheet.dim_colmin is None else min(sheet.dim_colmin, lo)
        sheet.dim_colmax = hi if sheet.dim_colmax is None else max(sheet.dim_colmax, hi)
