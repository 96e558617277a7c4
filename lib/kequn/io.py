"""Reading users' files and writing artifacts atomically.

Reading: CSV (UTF-8, UTF-8 with BOM, UTF-16 with BOM, GBK/GB18030; detected), Parquet and
Excel. CSV and Excel come as text columns so that intake, not the reader, decides types;
Parquet keeps its own types. Errors the
user can act on (empty file, unknown encoding, unreadable format) become ``InputError``.

Writing: every artifact goes to a temporary file in the target folder and is renamed into
place, so a failed run never leaves half a table or half a report.
"""
from __future__ import annotations

import io
import os
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from .coerce import STR

from .problems import InputError, Problem

SUFFIXES = (".csv", ".csv.gz", ".tsv", ".txt", ".parquet", ".xlsx", ".xls")
# GB18030 is a superset of GBK and GB2312, so one attempt covers all three.
_ENCODINGS = ("utf-8-sig", "gb18030")


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


def read_table(path: str | Path) -> pd.DataFrame:
    """Read one table as all-text columns (missing cells are NA); raise ``InputError``."""
    p = Path(path)
    name = p.name
    if not p.exists():
        raise InputError([Problem.of("file_not_found", str(p))])
    suffix = "".join(p.suffixes[-2:]) if name.endswith(".csv.gz") else p.suffix.lower()
    try:
        if suffix == ".parquet":
            df = _read_parquet(p)
        elif suffix in (".xlsx", ".xls"):
            df = pd.read_excel(p, dtype=str)
        else:
            raw = p.read_bytes()
            if suffix == ".csv.gz":
                import gzip
                raw = gzip.decompress(raw)
            if not raw.strip():
                raise InputError([Problem.of("empty_file", name)])
            try:
                enc = detect_encoding(raw)
            except UnicodeDecodeError:
                row, snippet = _bad_byte_row(raw)
                raise InputError([Problem.of("bad_encoding", name, rows=[row] if row else [],
                                             values=[snippet] if snippet else [], count=1)]) from None
            text = raw.decode(enc)
            sep = "\t" if suffix == ".tsv" or (text[:2000].count("\t") > text[:2000].count(",")) else ","
            df = pd.read_csv(io.BytesIO(text.encode("utf-8")), dtype=STR, sep=sep, keep_default_na=False,
                             na_values=[""], engine="pyarrow" if sep == "," else "c")
    except InputError:
        raise
    except (pd.errors.ParserError, ValueError, OSError) as e:
        raise InputError([Problem.of("unreadable", name, detail=str(e).splitlines()[0])]) from None
    if df.shape[1] == 0 or (df.shape[0] == 0 and df.shape[1] <= 1):
        raise InputError([Problem.of("no_columns", name)])
    df.columns = [str(c).strip().lstrip("\ufeff") for c in df.columns]
    if suffix != ".parquet":  # typed Parquet text is taken as written
        for c in df.columns:
            if df[c].dtype == object or str(df[c].dtype) == "string":
                s = df[c].astype(STR).str.strip()
                df[c] = s.mask(s == "")
    return df


def _read_parquet(path: Path, batch_rows: int = 2_000_000) -> pd.DataFrame:
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
        wide = pa.schema([f.with_type(pa.large_string()) if pa.types.is_string(f.type) else f for f in tb.schema])
        parts.append(tb.cast(wide).to_pandas(types_mapper={pa.large_string(): STR}.get, split_blocks=True,
                                             self_destruct=True))
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


def read_yaml(path: Path, what: tuple[str, str], fix: tuple[str, str]) -> dict:
    """A user's YAML file (config, column map) as a dict; a missing file or bad YAML is an
    ``InputError`` that says which file and what to do (``what``, ``fix``: zh and en)."""
    import yaml
    if not path.exists():
        raise InputError([Problem.of("yaml_not_found", str(path), what_zh=what[0], what_en=what[1],
                                     fix_zh=fix[0], fix_en=fix[1])])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise InputError([Problem.of("yaml_invalid", path.name, detail=str(e).splitlines()[0])]) from None
    if not isinstance(data, dict):
        raise InputError([Problem.of("yaml_not_settings", path.name, kind=type(data).__name__)])
    return data


def _tmp_beside(path: Path) -> Path:
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")


def write_table_atomic(df: pd.DataFrame, path: str | Path, encoding: str = "utf-8") -> Path:
    """Write ``df`` by its suffix (.parquet, .csv, .xlsx) via a temp file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_beside(path)
    try:
        if path.suffix == ".parquet":
            df.to_parquet(tmp, index=False)
        elif path.suffix == ".xlsx":
            df.to_excel(tmp, index=False, engine="openpyxl")
        else:
            df.to_csv(tmp, index=False, encoding=encoding)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_text_atomic(text: str, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_beside(path)
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


@contextmanager
def atomic_dir(path: str | Path):
    """Build a folder under a temporary name; it replaces ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        yield tmp
        old = None
        if path.exists():
            old = path.with_name(f".{path.name}.old.{uuid.uuid4().hex[:8]}")
            os.replace(path, old)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
