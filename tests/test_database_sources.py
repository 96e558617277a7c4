"""Database sources on both servers (PostgreSQL and MariaDB, started once per session by
conftest's fixtures pg and my): a contract table given as a view, as a view the
column map names, or as a query reads exactly like the table; an amount corrected in place
changes the intake stamp and the rerun redoes intake; "first row wins" for a repeated customer
key does not depend on the order rows are stored in, nor on the server.

Without the servers' programs the tests are skipped, unless KEQUN_REQUIRE_POSTGRES /
KEQUN_REQUIRE_MARIADB is set (``make test`` sets both)."""

from __future__ import annotations

import json
from contextlib import closing

import pandas as pd
import pytest
from conftest import SALT
from kequn.data import database
from kequn.data.intake import input_fingerprint, run_intake
from kequn.data.paths import RunFolder
from kequn.data.run_folder import load_or_run_intake
from test_database import (
    PASSWORD,
    _files_under,
    _without_source,
    assert_same_clean_table,
)

pg_server = pytest.importorskip("pg_server")
mariadb_server = pytest.importorskip("mariadb_server")

SERVERS = ["postgresql", "mariadb"]

# The demo's orders turned into a raw table under other names, its category a code looked up in
# another table; `orders` becomes a view joining them back under the contract's names.
VIEWS = [
    "CREATE TABLE category_names AS SELECT ROW_NUMBER() OVER (ORDER BY category) AS id, "
    "category AS name FROM (SELECT DISTINCT category FROM orders WHERE category IS NOT NULL) d",
    "CREATE TABLE sales_raw AS SELECT o.order_id AS ord_no, o.customer_id AS member, "
    "o.order_date AS day, o.amount AS total, c.id AS category_id, o.channel, o.quantity, "
    "o.discount, o.cost, o.coupon_used FROM orders o LEFT JOIN category_names c "
    "ON c.name = o.category",
    "DROP TABLE orders",
    "CREATE VIEW orders AS SELECT s.ord_no AS order_id, s.member AS customer_id, "
    "s.day AS order_date, s.total AS amount, c.name AS category, s.channel, s.quantity, "
    "s.discount, s.cost, s.coupon_used FROM sales_raw s LEFT JOIN category_names c "
    "ON c.id = s.category_id",
    "CREATE VIEW order_view AS SELECT s.ord_no, s.member, s.day, s.total, c.name AS cat, "
    "s.channel, s.quantity, s.discount, s.cost, s.coupon_used FROM sales_raw s "
    "LEFT JOIN category_names c ON c.id = s.category_id",
]
# the view's columns under their own names: the column map maps them
RENAMED = {
    "order_id": "ord_no",
    "customer_id": "member",
    "order_date": "day",
    "amount": "total",
    "category": "cat",
}
QUERY = (  # the view's SELECT as a query of the column map, with a comment at its end
    "SELECT s.ord_no AS order_id, s.member AS customer_id, s.day AS order_date,\n"
    "  s.total AS amount, c.name AS category, s.channel, s.quantity, s.discount, s.cost,\n"
    "  s.coupon_used\nFROM sales_raw s LEFT JOIN category_names c ON c.id = s.category_id\n"
    "-- the order lines, categories by name;\n"
)


class Db:
    """One server under test: its databases made, loaded and changed by the analyst's login."""

    def __init__(self, kind: str, server):
        self.kind, self.server = kind, server
        self.module = pg_server if kind == "postgresql" else mariadb_server

    def make(self, name: str) -> str:
        self.server.create(name, "analyst", PASSWORD)
        return self.server.url("analyst", name)

    def execute(self, url: str, *sql: str) -> list:
        db = url.rsplit("/", 1)[1]
        out = []
        with closing(self.server.connect("analyst", PASSWORD, db)) as c, c.cursor() as cur:
            for q in sql:
                cur.execute(q)
                out.append(cur.fetchall() if cur.description else None)
        return out

    def load_demo(self, url: str, folder) -> None:
        with closing(self.server.connect("analyst", PASSWORD, url.rsplit("/", 1)[1])) as c:
            self.module.load_csv_folder(c, folder)


@pytest.fixture(scope="module", params=SERVERS)
def db(request):
    server = request.getfixturevalue("pg" if request.param == "postgresql" else "my")
    return Db(request.param, server)


@pytest.fixture(scope="module")
def views(db, demo_dir):
    """The demo in a database where `orders` is a view over `sales_raw` and `category_names`."""
    url = db.make("views")
    db.load_demo(url, demo_dir)
    db.execute(url, *VIEWS)
    return url


@pytest.fixture(scope="module")
def from_files(demo_dir, tmp_path_factory):
    return run_intake(demo_dir, tmp_path_factory.mktemp("files") / "r", salt=SALT)


@pytest.fixture
def password(monkeypatch):
    monkeypatch.setenv("KEQUN_DB_PASSWORD", PASSWORD)
    for k in ("PGPASSWORD", "PGPASSFILE", "KEQUN_DB_PASSFILE", "MYSQL_PWD"):
        monkeypatch.delenv(k, raising=False)
    return PASSWORD


def _column_map(tmp_path, cmap: dict | None):
    if cmap is None:
        return None
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "map.yaml"
    path.write_text(json.dumps(cmap), encoding="utf-8")  # JSON is YAML
    return path


SOURCES = {
    # how orders is given: (column map, what quality.json says it read)
    "the default name is a view": (None, "orders", "view"),
    "tables: names a view": (
        {"tables": {"orders": "order_view"}, "orders": RENAMED},
        "order_view",
        "view",
    ),
    "queries: gives the SELECT": ({"queries": {"orders": QUERY}}, "queries: orders", "query"),
}


@pytest.mark.parametrize("how", list(SOURCES))
def test_orders_from_a_view_or_query_read_like_the_table(
    db, views, from_files, how, tmp_path, password
):
    cmap, label, kind = SOURCES[how]
    got = run_intake(views, tmp_path / "r", column_map=_column_map(tmp_path, cmap), salt=SALT)
    assert got.quality["files"]["orders"] == label
    assert got.quality["reading"]["orders"]["source"] == kind
    assert got.quality["reading"]["customers"]["source"] == "table"
    assert set(got.tables) == set(from_files.tables)
    for name in from_files.tables:
        assert_same_clean_table(got.tables[name], from_files.tables[name], name)
    assert _without_source(got.quality) == _without_source(from_files.quality)


def _amounts(processed) -> float:
    return float(pd.read_parquet(RunFolder(processed).clean / "orders.parquet")["amount"].sum())


def _correct_an_amount(db, url, by: float):
    """One amount of the raw order lines changed in place: counts and dates stay."""
    [[(order,)]] = db.execute(url, "SELECT MIN(ord_no) FROM sales_raw WHERE total > 0")
    db.execute(url, f"UPDATE sales_raw SET total = total + {by} WHERE ord_no = '{order}'")


def test_an_amount_corrected_in_place_reruns_intake(db, views, tmp_path, password):
    """An UPDATE that keeps every count and date (one amount corrected in the raw table under
    the `orders` view) changes the stamp, and the notebook's ``load_or_run_intake`` reads the
    corrected amount; unchanged, intake is not rerun; set back, the first stamp again."""
    processed = tmp_path / "processed" / "r"
    params = dict(
        data_dir=views,
        processed_dir=str(processed),
        privacy={"salt": SALT, "reid_dir": str(tmp_path / "reid")},
    )
    load_or_run_intake(**params)
    stamp = RunFolder(processed).intake_stamp.read_text()
    now = lambda: input_fingerprint(views, None, None, "error", None, None)  # noqa: E731
    assert now() == stamp
    before, written = _amounts(processed), RunFolder(processed).quality.stat().st_mtime_ns
    load_or_run_intake(**params)  # nothing changed: intake is not rerun
    assert RunFolder(processed).quality.stat().st_mtime_ns == written
    _correct_an_amount(db, views, 1)
    try:
        assert now() != stamp
        load_or_run_intake(**params)  # rerun: the corrected amount is read
        assert _amounts(processed) == pytest.approx(before + 1, abs=1e-6)
        assert RunFolder(processed).intake_stamp.read_text() == now()
    finally:
        _correct_an_amount(db, views, -1)
    assert now() == stamp


@pytest.mark.parametrize("how", ["table", "tables: names a view", "queries: gives the SELECT"])
def test_an_amount_corrected_in_place_changes_the_stamp(db, views, how, tmp_path, password):
    """The same for orders read from the raw table, a view the column map names, or a query
    (its result is what is hashed)."""
    cmap = (
        {"tables": {"orders": "sales_raw"}, "orders": RENAMED}
        if how == "table"
        else SOURCES[how][0]
    )
    cmap_file = _column_map(tmp_path, cmap)
    now = lambda: input_fingerprint(views, cmap_file, None, "error", None, None)  # noqa: E731
    stamp = now()
    assert now() == stamp
    _correct_an_amount(db, views, 0.01)
    try:
        assert now() != stamp
    finally:
        _correct_an_amount(db, views, -0.01)
    assert now() == stamp


def test_the_stamp_sees_only_the_content(db, views, password):
    """A value changed, made missing, the text 'NULL' or empty: each another stamp; the same
    rows again, stored in another place: the first stamp; two more copies of one row or of
    another: two stamps (a sum of row hashes; an XOR would let the copies cancel out)."""
    now = lambda: input_fingerprint(views, None, None, "error", None, None)  # noqa: E731
    stamp = now()
    [[(a, b)]] = db.execute(
        views, "SELECT MIN(ord_no), MAX(ord_no) FROM sales_raw WHERE channel > ''"
    )
    both = f"FROM sales_raw WHERE ord_no IN ('{a}', '{b}')"
    restore = (f"DELETE {both}", "INSERT INTO sales_raw SELECT * FROM kept_rows")
    db.execute(views, f"CREATE TABLE kept_rows AS SELECT * {both}")
    seen = [stamp]
    try:
        for v in ("'Web '", "NULL", "'NULL'", "''"):
            db.execute(views, f"UPDATE sales_raw SET channel = {v} WHERE ord_no = '{a}'")
            seen.append(now())
        db.execute(views, *restore)
        assert now() == stamp  # the rows back, at the table's end
        for row in (a, b):
            copy = f"INSERT INTO sales_raw SELECT * FROM kept_rows WHERE ord_no = '{row}'"
            db.execute(views, copy, copy)
            seen.append(now())
            db.execute(views, *restore)
    finally:
        db.execute(views, *restore, "DROP TABLE kept_rows")
    assert len(set(seen)) == len(seen), seen
    assert now() == stamp


# --- "first row wins" ---------------------------------------------------------------------

# One customer key repeated with other details: the row read first is kept.
REPEATS = [  # row_no, customer_id, signup_date, gender, city
    (1, "C1", "2024-02-01", "F", "Shanghai"),
    (2, "C1", "2024-01-01", "M", "Beijing"),
    (3, "C2", "2024-03-01", "M", "Guangzhou"),
    (4, "C2", "2024-03-01", "F", "Guangzhou"),
    (5, "C3", "2024-01-15", "F", "Shenzhen"),
    (6, "C3", "2024-01-15", None, "Shenzhen"),
    (7, "C4", "2024-01-20", "M", "Wuhan"),
]
# No key: every column left to right decides (the earlier signup, then F before M, a missing
# gender before any); the primary key (row_no): the lower row_no.
KEPT = {
    "no key": {"C1": ("2024-01-01", "M"), "C2": ("2024-03-01", "F"), "C3": ("2024-01-15", None)},
    "primary key": {
        "C1": ("2024-02-01", "F"),
        "C2": ("2024-03-01", "M"),
        "C3": ("2024-01-15", "F"),
    },
}


def _repeats_db(db, name: str) -> str:
    """Customers with repeated keys, each stored in the order above and reversed, without a key
    and with a primary key (its last column: not what sorting every column would follow);
    one order per customer."""
    url = db.make(name)
    text = "varchar(20)"
    cols = f"customer_id {text}, signup_date date, gender {text}, city {text}"
    sql = []
    for table, key in (("plain", ""), ("keyed", ", row_no integer PRIMARY KEY")):
        for suffix, rows in (("a", REPEATS), ("b", REPEATS[::-1])):
            sql.append(f"CREATE TABLE {table}_{suffix} ({cols}{key})")
            for no, *r in rows:
                values = ", ".join("NULL" if v is None else f"'{v}'" for v in r)
                sql.append(f"INSERT INTO {table}_{suffix} VALUES ({values}{key and f', {no}'})")
    sql.append(
        f"CREATE TABLE orders (order_id {text}, customer_id {text}, order_date date, "
        "amount numeric(10,2))"
    )
    for i in range(1, 5):
        sql.append(f"INSERT INTO orders VALUES ('O{i}', 'C{i}', '2024-04-0{i}', {10 * i})")
    db.execute(url, *sql)
    return url


def _customers(url, table, tmp_path):
    cmap = _column_map(tmp_path, {"tables": {"customers": table}})
    r = run_intake(url, tmp_path / table / "r", column_map=cmap, salt=SALT, as_of="2024-06-30")
    c = r.tables["customers"]
    assert len(c) == 4
    return c


def _kept(c: pd.DataFrame) -> dict:
    """customer → (signup date, gender) kept (keys found back from their pseudonyms)."""
    from kequn.data.privacy import load_salt, pseudonymize

    ids = ["C1", "C2", "C3", "C4"]
    back = dict(zip(pseudonymize(pd.Series(ids), load_salt(SALT)), ids))
    out = {}
    for _, row in c.iterrows():
        g = row.get("gender")
        out[back[row["customer_id"]]] = (
            str(row["signup_date"].date()),
            None if pd.isna(g) else str(g),
        )
    return out


@pytest.mark.parametrize("key", ["no key", "primary key"])
def test_first_row_wins_whatever_order_the_rows_are_stored_in(db, key, tmp_path, password):
    url = _repeats_db(db, f"repeats_{'pk' if key == 'primary key' else 'plain'}")
    table = "keyed" if key == "primary key" else "plain"
    a = _customers(url, f"{table}_a", tmp_path)
    b = _customers(url, f"{table}_b", tmp_path)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    kept = _kept(a)
    assert {k: kept[k] for k in KEPT[key]} == KEPT[key]


def test_first_row_wins_alike_on_both_servers(pg, my, tmp_path, password):  # noqa: F811
    """The same rows stored in opposite orders on PostgreSQL and MariaDB: the same customers."""
    got = []
    for kind, server, table in (("postgresql", pg, "plain_a"), ("mariadb", my, "plain_b")):
        url = _repeats_db(Db(kind, server), "repeats_both")
        got.append(_customers(url, table, tmp_path / kind))
    pd.testing.assert_frame_equal(got[0], got[1], check_exact=True)


def test_a_query_that_orders_itself_is_read_in_its_order():
    said = database.orders_itself
    assert said("SELECT * FROM t ORDER BY updated_at DESC", "postgresql")
    assert said("SELECT a FROM t UNION SELECT a FROM u\norder\n  by 1;", "mysql")
    assert not said("SELECT * FROM (SELECT * FROM t ORDER BY a) s", "postgresql")
    assert not said("SELECT a, ROW_NUMBER() OVER (ORDER BY b) FROM t", "mysql")
    assert not said("SELECT 'order by' AS x FROM t -- order by x", "postgresql")
    assert not said('SELECT "order by" FROM t /* ORDER BY */', "postgresql")
    assert not said("SELECT `order by` FROM t # order by\n", "mysql")
    assert not said("SELECT $q$ ORDER BY $q$ FROM t", "postgresql")
    assert said("SELECT 'it''s' FROM t ORDER BY 1", "postgresql")
    assert said("SELECT 'it\\'s' FROM t ORDER BY 1", "mysql")


def test_no_password_in_a_failed_fingerprints_message(db, views, tmp_path, password, capsys):
    """A query naming something missing: the driver's message (which repeats the name, here the
    password itself) is said with the password masked, and nothing is written."""
    from kequn.data.problems import InputError

    name = f'"no_such_{PASSWORD}"' if db.kind == "postgresql" else f"`no_such_{PASSWORD}`"
    cmap = _column_map(tmp_path, {"queries": {"orders": f"SELECT * FROM {name}"}})
    with pytest.raises(InputError) as e:
        input_fingerprint(views, cmap, None, "error", None, None)
    text = e.value.render("en")
    assert "queries: orders" in text and PASSWORD not in text and "***" in text, text
    with pytest.raises(InputError) as e:
        run_intake(views, tmp_path / "p" / "r", column_map=cmap, salt=SALT)
    assert PASSWORD not in e.value.render("zh") + e.value.render("en")
    out = capsys.readouterr()
    assert PASSWORD not in out.out + out.err
    written = [p for p in _files_under(tmp_path) if p != cmap]  # the map holds it: the input
    assert written == [] or not [p for p in written if PASSWORD.encode() in p.read_bytes()]


def test_a_table_with_a_json_column_is_read_in_order(db, tmp_path, password):
    """PostgreSQL's json has no ordering: the read order compares it as text instead of
    failing (a repeated key, so the order matters)."""
    url = db.make("with_json")
    db.execute(
        url,
        "CREATE TABLE customers (customer_id varchar(20), signup_date date, prefs json)",
        """INSERT INTO customers VALUES ('C1', '2024-01-01', '{"vip": 1}'),
        ('C1', '2024-01-01', '{"vip": 0}'), ('C2', '2024-01-02', NULL)""",
        "CREATE TABLE orders (order_id varchar(20), customer_id varchar(20), order_date date, "
        "amount numeric(10,2))",
        "INSERT INTO orders VALUES ('O1', 'C1', '2024-02-01', 5), ('O2', 'C2', '2024-02-02', 6)",
    )
    r = run_intake(url, tmp_path / "r", salt=SALT, as_of="2024-06-30")
    assert len(r.tables["customers"]) == 2
    assert r.quality["reading"]["customers"]["source"] == "table"
    assert input_fingerprint(url, None, None, "error", None, None)
