"""The contract's tables read from a database: ``DATA=postgresql://user@host:5432/db``.

``DATA`` may name a PostgreSQL or MySQL/MariaDB database instead of a folder
(``postgresql://…``, ``mysql+pymysql://…``; ``mysql://`` and ``mariadb://`` use PyMySQL).
Intake (``kequn.data.intake``) then reads each contract table from it through SQLAlchemy and goes
on exactly as for files: the same column map, validation, cleaning, messages,
pseudonymisation and re-identification table. Where each table comes from:

- a table or view of the table's own name (``orders``, ``customers``, …) in the connection's
  default schema, matched case-insensitively;
- or the table or view the column map names under ``tables:`` (``orders: crm.order_lines``);
- or the query the column map gives under ``queries:`` (``orders: SELECT …``), run exactly as
  the analyst wrote it (a trailing ``;`` dropped). Nothing read from the database ever
  becomes SQL: table and column names are quoted by SQLAlchemy, and values are only read.

Every value arrives as text, as the database writes it: an integer key ``123`` becomes
``"123"``, a varchar ``00123`` stays ``"00123"``, a numeric ``19.90`` is ``"19.90"``, dates are
ISO dates (a timestamp with time zone keeps the wall time the database session shows). So
intake parses database values with the very rules it applies to CSV cells. Rows are fetched
``CHUNK_ROWS`` at a time (server-side cursors: the driver never holds the whole result) into
Arrow arrays.

A table has no order of its own, and a database may return the same rows in another order from
one read to the next (after an UPDATE, a VACUUM, in parallel or synchronized scans). So every
source is read in a stated order (``order_by``), which is what "first" means where intake keeps
a first row (a repeated customer key, the most frequent value's ties) and what row numbers in
messages count: a table's primary key when it has one; else every column, left to right (a
view, a table without a key, a query); a query that ends in its own ``ORDER BY`` is read in that
order (make it total, or ties fall in the database's order). Values compare as the database
compares them: dates, numbers and booleans alike on every server, a missing value before any
other (PostgreSQL is told ``NULLS FIRST``, MySQL's own rule), text by the database's collation
(so two servers agree on repeated keys unless they are told apart only by text their collations
order differently, such as case under a case-insensitive MySQL collation). The server sorts
(on disk when it must): on the 20,000-customer demo in PostgreSQL 15, ordering adds 0.2–0.6 s
to fetching orders (157k rows) and events (296k rows), a few per cent of reading them.

All tables are read in one read-only ``REPEATABLE READ`` transaction, so orders and customers
come from one snapshot of the database.

Credentials never come from the config or the URL (a URL holding a password is refused, as
it would be stored with the run's settings and shown on its pages): ``KEQUN_DB_PASSWORD``;
else for PostgreSQL what libpq reads itself (``PGPASSWORD``, ``PGPASSFILE`` or
``~/.pgpass``); for MySQL ``MYSQL_PWD``. ``KEQUN_DB_PASSFILE`` names a ``.pgpass``-style file
(``host:port:database:user:password``, ``*`` matches anything, owner-only permissions) for
either. A password is never written to an artifact, a log or a message: URLs are shown with
``safe_url`` and the driver's error texts are scrubbed of it.

When to rerun intake (``fingerprint``): a digest of the intake settings, the column map file
(as for files) and, per table, where it comes from, its columns, its row count and a hash of its
whole content computed by the server (``content_sql``): the sum over rows of a hash of each
row's text (PostgreSQL ``SUM(hashtextextended(row::text, 0))``; MySQL/MariaDB
``SUM(CRC32(CONCAT_WS(',', QUOTE(CAST(col AS BINARY)), …)))``). Any row added, deleted or
changed in place, even an amount corrected with counts and dates kept, changes it; the order
rows are stored in does not. For a view or a query, the rows it returns are hashed (so a change
in the tables under it is seen). Chosen over the servers' change counters
(``pg_stat_user_tables``, ``information_schema.tables.update_time``), which are not
transactional, may be reset or lag, say nothing about views and queries, and for InnoDB are
lost on restart; and over ``md5(string_agg(… ORDER BY …))``, which sorts every row (4–5× slower
here). Cost, measured on the 20,000-customer demo in PostgreSQL 15: 0.1–0.45 s for orders
(157k rows) and 0.15–0.3 s for events (296k), about 1 s for all five tables, against about
11 s to read them (MariaDB 10.11: 0.6 s for orders, against 8 s to read them); one aggregate
query per table, per ``make report`` and per stage. A change goes unseen only if the changed
rows' hashes happen to sum to the old ones: about one chance in 2**64 on PostgreSQL, 2**32 on
MySQL (a CRC32 per row; a row whose text exceeds MySQL's ``max_allowed_packet`` hashes as
NULL, so only its count is watched).
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from kequn.data import schema
from kequn.data.problems import InputError, Problem

CHUNK_ROWS = 50_000  # rows per fetch: bounds the driver's buffer and the Python row objects
CONNECT_TIMEOUT = 10  # seconds
SCHEMES = ("postgresql", "postgres", "mysql", "mariadb")
_URL = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.\-]*)://")
_SECRET_ENV = ("KEQUN_DB_PASSWORD", "PGPASSWORD", "MYSQL_PWD")


def is_url(data) -> bool:
    """Whether ``data`` (a ``DATA`` value) names a database rather than a folder."""
    if data is None or isinstance(data, os.PathLike):
        return False
    m = _URL.match(str(data))
    return bool(m) and m.group(1).split("+")[0].lower() in SCHEMES


def safe_url(url) -> str:
    """``url`` as it may be shown or stored: a password in it replaced by ``***``."""
    s = str(url)
    m = _URL.match(s)
    if not m:
        return s
    start = m.end()
    head = re.split(r"[?#]", s[start:], maxsplit=1)[0]
    at = head.rfind("@")
    if at < 0 or ":" not in head[:at]:
        return s
    return s[:start] + head[:at].split(":", 1)[0] + ":***" + s[start + at :]


def database_name(url: str) -> str:
    """The database's name in ``url`` (``crm`` in ``postgresql://u@h/crm?sslmode=require``),
    for the default run name."""
    path = re.split(r"[?#]", str(url), maxsplit=1)[0][_URL.match(str(url)).end() :]
    return path.split("/", 1)[1].strip("/") if "/" in path else ""


# --- connecting ---------------------------------------------------------------------------


def _problem(key: str, shown: str, **args) -> InputError:
    return InputError([Problem.of(key, shown, **args)])


def parse_url(url: str):
    """The SQLAlchemy URL of ``url`` with its driver chosen; ``InputError`` when it cannot be
    read or holds a password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    shown = safe_url(url)
    try:
        u = make_url(str(url).strip())
    except (ArgumentError, ValueError) as e:
        raise _problem("db_url_invalid", shown, detail=scrub(str(e).splitlines()[0])) from None
    if u.password is not None:
        raise _problem("db_password_in_url", shown)
    backend, _, driver = u.drivername.partition("+")
    if backend == "postgres":
        backend = "postgresql"
    if backend in ("mysql", "mariadb") and not driver:
        driver = "pymysql"
    return u.set(drivername=f"{backend}+{driver}" if driver else backend)


def _passfile_password(path: Path, url) -> str | None:
    """The password a ``.pgpass``-style file gives for ``url``'s host, port, database and
    user; None when none matches or the file is readable by others (as libpq does)."""
    try:
        if path.stat().st_mode & 0o077:
            return None
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    want = (
        url.host or "localhost",
        str(url.port or (5432 if url.get_backend_name() == "postgresql" else 3306)),
        url.database or "",
        url.username or "",
    )
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [f.replace("\\:", ":").replace("\\\\", "\\") for f in re.split(r"(?<!\\):", line)]
        if len(fields) == 5 and all(f in ("*", w) for f, w in zip(fields[:4], want)):
            return fields[4]
    return None


def _secrets(url=None) -> list[str]:
    """Every password this process may use (to scrub them from any text shown)."""
    out = [os.environ.get(k) for k in _SECRET_ENV]
    if url is not None:
        for f in {os.environ.get("KEQUN_DB_PASSFILE"), os.environ.get("PGPASSFILE"), "~/.pgpass"}:
            if f:
                out.append(_passfile_password(Path(f).expanduser(), url))
    return [s for s in out if s]


def scrub(text: str, url=None) -> str:
    """``text`` with any password this process knows and any URL password masked, and
    personal data (phones, e-mails, IDs) in a driver's message masked."""
    from kequn.data.privacy import mask_text

    for s in sorted(_secrets(url), key=len, reverse=True):
        text = text.replace(s, "***")
    text = re.sub(r"([A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*):[^\s@]*@", r"\1:***@", text)
    return mask_text(text, loose=True)


def _connect_args(url) -> dict:
    """Driver arguments: timeout, and the password from the environment or a password file."""
    backend = url.get_backend_name()
    args: dict = {"connect_timeout": CONNECT_TIMEOUT}
    password = os.environ.get("KEQUN_DB_PASSWORD")
    passfile = os.environ.get("KEQUN_DB_PASSFILE")
    if backend == "postgresql":
        args["application_name"] = "kequn"
        if passfile:
            args["passfile"] = str(Path(passfile).expanduser())  # libpq reads it
    elif not password:
        password = os.environ.get("MYSQL_PWD") or _passfile_password(
            Path(passfile or "~/.pgpass").expanduser(), url
        )
    if password:
        args["password"] = password  # to the driver only: never in the URL
    return args


def _connect_problem(e: Exception, url, shown: str) -> InputError:
    """A failed connection said in the user's terms: unreachable, login refused, no such
    database, or the driver's first line (scrubbed)."""
    orig = getattr(e, "orig", None) or e
    text = str(orig)
    low = text.lower()
    args = getattr(orig, "args", ())
    code = args[0] if args and isinstance(args[0], int) else None
    port = url.port or (5432 if url.get_backend_name() == "postgresql" else 3306)
    if code in (1044, 1045, 1698) or any(
        s in low
        for s in (
            "password authentication failed",
            "no password supplied",
            "authentication failed",
            "access denied",
            "pg_hba.conf",
            "role ",
        )
    ):
        return _problem("db_login_refused", shown, user=url.username or "—")
    if code == 1049 or ("database" in low and "does not exist" in low):
        return _problem("db_not_found", shown, db=url.database or "—")
    if code in (2002, 2003, 2005, 2006, 2013) or any(
        s in low
        for s in (
            "connection refused",
            "could not connect",
            "could not translate host",
            "timeout expired",
            "timed out",
            "no route to host",
            "name or service not known",
            "network is unreachable",
            "can't connect",
        )
    ):
        return _problem("db_unreachable", shown, where=f"{url.host or 'localhost'}:{port}")
    return _problem("db_error", shown, detail=_detail(e, url))


def _detail(e: Exception, url=None) -> str:
    orig = getattr(e, "orig", None) or e
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return scrub(first, url)[:200]


def connect(url: str):
    """An open, read-only connection (SQLAlchemy ``Connection``) and its engine; problems as
    ``InputError``."""
    import sqlalchemy as sa
    from sqlalchemy.exc import DBAPIError, NoSuchModuleError

    u = parse_url(url)
    shown = safe_url(url)
    try:
        engine = sa.create_engine(u, connect_args=_connect_args(u), poolclass=sa.pool.NullPool)
    except (NoSuchModuleError, ImportError):
        raise _problem("db_driver_missing", shown, driver=u.drivername) from None
    try:
        conn = engine.connect()
    except DBAPIError as e:
        engine.dispose()
        raise _connect_problem(e, u, shown) from None
    return engine, conn


# --- where each table comes from ----------------------------------------------------------


@dataclass
class Source:
    """Where one contract table is read: a table or view (``name``, ``schema``) or a query."""

    table: str
    kind: str  # table | view | query
    label: str  # as messages and quality.json name it
    name: str | None = None
    schema: str | None = None
    sql: str | None = None


def column_map_sections(user: dict, file: str) -> tuple[dict, dict, list[Problem]]:
    """The column map's ``tables:`` and ``queries:`` sections, checked (contract tables,
    text values)."""
    out, problems = [], []
    for section in ("tables", "queries"):
        given = user.get(section) or {}
        if not isinstance(given, dict):
            given = {}
        checked = {}
        for table, value in given.items():
            if table not in schema.CONTRACT:
                problems.append(
                    Problem.of("unknown_table", file, table=table, allowed=", ".join(schema.TABLES))
                )
            elif not isinstance(value, str) or not value.strip():
                problems.append(
                    Problem.of("db_source_not_text", file, section=section, table=table)
                )
            else:
                checked[table] = value.strip()
        out.append(checked)
    return out[0], out[1], problems


def _objects(conn, schema_name: str | None) -> dict[str, tuple[str, str]]:
    """Tables and views of a schema (default: the connection's), lower-cased name → (stored
    name, kind)."""
    import sqlalchemy as sa

    insp = sa.inspect(conn)
    found: dict[str, tuple[str, str]] = {}
    for kind, names in (
        ("view", getattr(insp, "get_materialized_view_names", lambda schema=None: [])),
        ("view", insp.get_view_names),
        ("table", insp.get_table_names),
    ):
        try:
            listed = names(schema=schema_name)
        except NotImplementedError:
            continue
        for n in listed:
            found[n.lower()] = (n, kind)
            found.setdefault(f"={n}", (n, kind))  # exact spelling wins over another case
    return found


def sources(conn, cmap: dict, shown: str) -> tuple[dict[str, Source], list[Problem]]:
    """Each contract table's source; a required table (or one the column map names) that is
    not there is a problem."""
    out, problems, listed = {}, [], {}
    queries, named = cmap.get("queries") or {}, cmap.get("tables") or {}
    for table in schema.TABLES:
        if table in queries:
            sql = re.sub(r"[\s;]+$", "", queries[table])
            out[table] = Source(table, "query", f"queries: {table}", sql=sql)
            continue
        spec = named.get(table, table)
        schema_name, _, name = spec.rpartition(".")
        schema_name = schema_name or None
        if schema_name not in listed:
            listed[schema_name] = _objects(conn, schema_name)
        hit = listed[schema_name].get(f"={name}") or listed[schema_name].get(name.lower())
        if hit is None:
            if table in schema.REQUIRED_TABLES or table in named:
                problems.append(Problem.of("db_table_missing", shown, table=table, name=spec))
            continue
        label = f"{schema_name}.{hit[0]}" if schema_name else hit[0]
        out[table] = Source(table, hit[1], label, name=hit[0], schema=schema_name)
    return out, problems


# --- reading ------------------------------------------------------------------------------


def as_text(v) -> str:
    """One database value as text, the way the database writes it."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, decimal.Decimal):
        return format(v, "f")
    if isinstance(v, dt.datetime):
        return v.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, (bytes, bytearray, memoryview)):
        b = bytes(v)
        try:
            return b.decode("utf-8")
        except UnicodeDecodeError:
            return b.hex()
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def _text_array(values):
    """One fetched column as Arrow text: text as it is; a column of one type that Arrow writes
    as ``as_text`` does (integers, floats, booleans, decimals, dates, naive timestamps)
    converted in C; any other column value by value."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:  # text columns (most of an export)
        return pa.array(values, type=pa.large_string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        pass
    kinds = {type(v) for v in values if v is not None}
    kind = kinds.pop() if len(kinds) == 1 else None
    if kind in _arrow_types() and not (
        kind is dt.datetime and any(v.tzinfo for v in values if v is not None)
    ):
        try:  # decimals: Arrow finds precision and scale (19.90 stays 19.90)
            arr = pa.array(values, type=_arrow_types()[kind])
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            arr = None  # beyond 64 bits or 38 digits, NaN decimals: value by value
        if arr is not None:
            if kind is dt.datetime and not pc.max(pc.microsecond(arr)).as_py():
                # as the database writes it: no fraction of a second when there is none
                arr = pc.strftime(arr.cast(pa.timestamp("s")), format="%Y-%m-%d %H:%M:%S")
            return arr.cast(pa.large_string())
    return pa.array([None if v is None else as_text(v) for v in values], type=pa.large_string())


@functools.cache
def _arrow_types() -> dict:
    import pyarrow as pa

    return {
        int: pa.int64(),
        float: pa.float64(),
        bool: pa.bool_(),
        decimal.Decimal: None,
        dt.date: pa.date32(),
        dt.datetime: pa.timestamp("us"),
    }


def _as_written(conn, sql: str, **options):
    """Run ``sql`` exactly as written: no parameters at all, so the driver reads no ``%`` or
    ``:`` in it as a placeholder (SQLAlchemy's ``no_parameters``)."""
    return conn.exec_driver_sql(sql, execution_options={"no_parameters": True, **options})


def _quoted_table(conn, src: Source) -> str:
    import sqlalchemy as sa

    return conn.dialect.identifier_preparer.format_table(sa.table(src.name, schema=src.schema))


def _from(conn, src: Source) -> str:
    """``src`` as a ``FROM`` item named ``kequn_t``: the table or view, or the analyst's query
    as a derived table (on lines of its own, so a trailing ``--`` comment ends there)."""
    if src.kind == "query":
        return f"(\n{src.sql}\n) AS kequn_t"
    return f"{_quoted_table(conn, src)} AS kequn_t"


@dataclass
class Columns:
    """What a source returns: column names and the driver's type codes (PostgreSQL: OIDs)."""

    names: list[str]
    types: list


def probe(conn, src: Source) -> Columns:
    """The columns ``src`` returns, without reading a row."""
    res = _as_written(conn, f"SELECT * FROM {_from(conn, src)} WHERE 1 = 0")
    try:
        desc = res.cursor.description or []
        return Columns(list(res.keys()), [d[1] for d in desc])
    finally:
        res.close()


# --- the order rows are read in ("first row wins") ----------------------------------------

# PostgreSQL types without a default ordering (json, xml, geometric types and their arrays):
# ordered by their text instead of making ORDER BY fail.
_PG_UNORDERED = {114, 199, 142, 143, 600, 601, 602, 603, 604, 628, 718, 1017, 1018, 1019, 1020}
_NOISE = {  # what cannot hold a keyword: comments, strings, quoted names
    "postgresql": re.compile(
        r"--[^\n]*|/\*.*?\*/|\$([A-Za-z_]\w*)?\$.*?\$\1\$|\b[Ee]'(?:[^'\\]|''|\\.)*'"
        r"|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"",
        re.S,
    ),
    "mysql": re.compile(
        r"(?:--\s|#)[^\n]*|/\*.*?\*/|'(?:[^'\\]|''|\\.)*'|\"(?:[^\"\\]|\"\"|\\.)*\""
        r"|`(?:[^`]|``)*`",
        re.S,
    ),
}


def orders_itself(sql: str, dialect: str) -> bool:
    """Whether a query ends in its own ``ORDER BY`` (outside parentheses, comments, strings):
    then its rows are read in that order."""
    text = _NOISE["postgresql" if dialect == "postgresql" else "mysql"].sub(" ", sql)
    depth = 0
    for m in re.finditer(r"[()]|\border\s+by\b", text, re.I):
        tok = m.group(0)
        if tok in "()":
            depth += 1 if tok == "(" else -1
        elif depth == 0:
            return True
    return False


def _primary_key(conn, src: Source) -> list[str]:
    """The primary key's columns of a table (none for a view or query)."""
    import sqlalchemy as sa

    if src.kind != "table":
        return []
    try:
        pk = sa.inspect(conn).get_pk_constraint(src.name, schema=src.schema)
    except NotImplementedError:
        return []
    return list(pk.get("constrained_columns") or [])


def order_by(conn, src: Source, cols: Columns) -> str:
    """The ``ORDER BY`` that makes the read order, and so "first row wins", the same on every
    read: a table's primary key; else every column, left to right (for a view, a table without
    a key, a query without its own ``ORDER BY``); "" for a query that orders itself.

    Values compare as the database compares them (its types and collation): dates, numbers
    and booleans alike on every server, text by the database's collation; a missing value
    comes before any other, as MySQL sorts it (PostgreSQL is told ``NULLS FIRST``)."""
    quote = conn.dialect.identifier_preparer.quote
    if src.kind == "query" and orders_itself(src.sql, conn.dialect.name):
        return ""
    pg = conn.dialect.name == "postgresql"
    pk = _primary_key(conn, src)
    if pk and set(pk) <= set(cols.names):  # never NULL: the key's index gives the order
        return " ORDER BY " + ", ".join(f"kequn_t.{quote(c)}" for c in pk)
    keys = [
        f"CAST(kequn_t.{quote(n)} AS text)" if pg and t in _PG_UNORDERED else str(i)
        for i, (n, t) in enumerate(zip(cols.names, cols.types), start=1)
    ]
    return " ORDER BY " + ", ".join(f"{k} NULLS FIRST" if pg else k for k in keys)


def _select(conn, src: Source, cols: Columns) -> str:
    """The statement that reads ``src`` in a stable order (``order_by``): every column of the
    table or view (its name quoted by SQLAlchemy), or the analyst's query as written."""
    order = order_by(conn, src, cols)
    if src.kind == "query" and not order:
        return src.sql
    return f"SELECT * FROM {_from(conn, src)}{order}"


def read(conn, src: Source, cols: Columns | None = None):
    """All rows of ``src`` (``order_by``'s order) as an ``io.Export`` of text columns
    (``CHUNK_ROWS`` per fetch) and the number of fetches."""
    import numpy as np  # imported here: the no-change rerun imports this module for is_url
    import pyarrow as pa

    from kequn.data.coerce import STR
    from kequn.data.io import Export, _unique_headers

    cols = cols or probe(conn, src)
    sql = _select(conn, src, cols)
    result = _as_written(conn, sql, stream_results=True, max_row_buffer=CHUNK_ROWS)
    headers, renamed = _unique_headers(list(result.keys()))
    batches, chunks = [], 0
    try:
        for rows in result.partitions(CHUNK_ROWS):
            columns = list(zip(*rows))
            batches.append(pa.record_batch([_text_array(c) for c in columns], names=list(headers)))
            chunks += 1
    finally:
        result.close()
    fields = pa.schema([(h, pa.large_string()) for h in headers])
    table = pa.Table.from_batches(batches, schema=fields)
    del batches
    df = table.to_pandas(types_mapper={pa.large_string(): STR}.get, self_destruct=True)
    df.columns = headers
    for c in df.columns:  # as for a CSV cell: surrounding blanks go, an empty value is missing
        s = df[c].str.strip()
        df[c] = s.mask(s == "")
    ex = Export(df, np.arange(1, len(df) + 1, dtype=np.int64), conn.dialect.name)
    ex.renamed_headers = renamed
    return ex, chunks


# --- when to rerun intake -----------------------------------------------------------------


def content_sql(conn, src: Source, cols: Columns) -> str:
    """One aggregate query giving ``src``'s row count and a hash of its whole content that no
    row order changes: the sum over rows of a hash of each row's text, computed by the server.

    PostgreSQL: ``SUM(hashtextextended(row::text, 0))``, a 64-bit hash of the row as the
    server writes it (PostgreSQL 11 or later). MySQL/MariaDB: ``SUM(CRC32(CONCAT_WS(',',
    QUOTE(CAST(col AS BINARY)), …)))``, each value quoted (``NULL`` unquoted, so a missing
    value, an empty one and the text ``NULL`` differ) and taken as bytes (no collation mix).
    A sum, not an XOR: two equal rows do not cancel each other. Only quoted column names and
    fixed SQL: no value and no credential is ever part of it."""
    if conn.dialect.name == "postgresql":
        row_hash = "hashtextextended(kequn_t::text, 0)"
    else:
        quote = conn.dialect.identifier_preparer.quote
        values = ", ".join(f"QUOTE(CAST(kequn_t.{quote(c)} AS BINARY))" for c in cols.names)
        row_hash = f"CRC32(CONCAT_WS(',', {values}))"
    return f"SELECT COUNT(*), SUM({row_hash}) FROM {_from(conn, src)}"


def table_fingerprint(conn, src: Source, cols: Columns | None = None) -> list:
    """What ``fingerprint`` watches of one table: where it comes from, its columns, its row
    count and its content hash (``content_sql``)."""
    cols = cols or probe(conn, src)
    count, content = _as_written(conn, content_sql(conn, src, cols)).one()
    return [src.label, src.kind, cols.names, int(count), None if content is None else str(content)]


def digest(url: str, parts: dict, column_map, settings: list) -> str:
    """The intake stamp of a database run (see the module docstring)."""
    h = hashlib.sha256(
        json.dumps([settings, safe_url(url), parts], default=str, sort_keys=True).encode()
    )
    if column_map and Path(column_map).exists():
        st = Path(column_map).stat()
        h.update(f"{Path(column_map).resolve()}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def _begin(conn):
    """Read-only, one snapshot for every table."""
    if conn.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    else:
        conn.exec_driver_sql("SET SESSION TRANSACTION READ ONLY")
        conn.commit()
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
    return conn


def fingerprint(url: str, column_map, settings: list) -> str:
    """The intake stamp ``url`` would get now (``kequn.data.intake.input_fingerprint``)."""
    from sqlalchemy.exc import DBAPIError

    from kequn.data.intake import load_column_map

    cmap = load_column_map(column_map)
    shown = safe_url(url)
    engine, conn = connect(url)
    try:
        conn = _begin(conn)
        found, problems = sources(conn, cmap, shown)
        if problems:
            raise InputError(problems)
        parts = {}
        for table, src in found.items():
            try:
                parts[table] = table_fingerprint(conn, src)
            except DBAPIError as e:
                raise _problem(
                    "db_read_failed", src.label, table=table, detail=_detail(e, conn.engine.url)
                ) from None
        conn.rollback()
    finally:
        conn.close()
        engine.dispose()
    return digest(url, parts, column_map, settings)


class DatabaseTables:
    """The contract tables of one database, for intake: iterating yields ``(table, export,
    label)`` one table at a time (each held once, as files are), inside one read-only
    snapshot; a missing table or a failed read is appended to ``log.problems``. ``parts``
    holds what the fingerprint watches, taken in the same snapshot as the rows."""

    def __init__(self, url: str, cmap: dict, log):
        parse_url(url)  # a URL with a password is refused before anything else
        self.url, self.cmap, self.log = str(url), cmap, log
        self.shown = safe_url(url)
        self.parts: dict = {}

    def __iter__(self):
        from sqlalchemy.exc import DBAPIError

        engine, conn = connect(self.url)
        try:
            conn = _begin(conn)
            found, problems = sources(conn, self.cmap, self.shown)
            self.log.problems.extend(problems)
            for table in schema.TABLES:
                src = found.get(table)
                if src is None:
                    continue
                try:
                    with conn.begin_nested():  # a failed read leaves the others readable
                        cols = probe(conn, src)
                        self.parts[table] = table_fingerprint(conn, src, cols)
                        ex, chunks = read(conn, src, cols)
                except DBAPIError as e:
                    detail = _detail(e, conn.engine.url)
                    self.log.problems.append(
                        Problem.of("db_read_failed", src.label, table=table, detail=detail)
                    )
                    continue
                self.log.reading[table] = {"kind": ex.kind, "source": src.kind, "chunks": chunks}
                if ex.frame.empty:
                    self.log.problems.append(Problem.of("db_table_empty", src.label, table=table))
                    continue
                yield table, ex, src.label
                del ex
            conn.rollback()
        finally:
            conn.close()
            engine.dispose()

    def fingerprint(self, column_map, settings: list) -> str:
        return digest(self.url, self.parts, column_map, settings)
