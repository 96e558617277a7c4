"""DATA=postgresql://…: intake reads the contract's tables from a real PostgreSQL server
(tests/pg_server.py: initdb'd in a temporary folder, 127.0.0.1 and a free port only, stopped
afterwards) and gives what it gives from the same export as files; keys stay text as stored,
queries from the column map run as written, the intake stamp follows the database's rows,
and problems (unreachable, wrong password, missing table, password in the URL) are said in
the run's language with no traceback and no password anywhere.

Without PostgreSQL's server programs the tests are skipped, unless KEQUN_REQUIRE_POSTGRES is
set (``make test`` sets it, after ``make postgres`` installed Debian's postgresql)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, SALT
from kequn.data import database
from kequn.data.intake import input_fingerprint, run_intake

pg_server = pytest.importorskip("pg_server")

PASSWORD = "Pw-of-the-analyst-93f1"  # must never appear in any output or artifact
WRONG = "Wrong-password-5c2e"
NB01 = str(ROOT / "notebooks" / "01_profiling.ipynb")


@pytest.fixture(scope="module")
def crm(pg, demo_dir):
    """The demo export (conftest's 3,000 customers) loaded into typed tables of database crm."""
    pg.create("crm", "analyst", PASSWORD)
    with closing(pg.connect("analyst", PASSWORD, "crm")) as c:
        pg_server.load_csv_folder(c, demo_dir)
    return pg.url("analyst", "crm")


@pytest.fixture
def password(monkeypatch):
    monkeypatch.setenv("KEQUN_DB_PASSWORD", PASSWORD)
    for k in ("PGPASSWORD", "PGPASSFILE", "KEQUN_DB_PASSFILE"):
        monkeypatch.delenv(k, raising=False)
    return PASSWORD


def _without_source(q: dict) -> dict:
    """quality.json without what says where the tables came from (file names, how read)."""
    return {k: v for k, v in q.items() if k not in ("files", "reading")}


def _files_under(folder: Path):
    return [p for p in folder.rglob("*") if p.is_file()]


# The demo files hold customers, orders and feedback in key order, as a table without a primary
# key is read (every column, left to right: the key first); events (by time) and kano (features
# in the survey's order) are read in another order than the file's: compared as the same rows.
READ_IN_ANOTHER_ORDER = ("events", "kano")


def assert_same_clean_table(a: pd.DataFrame, b: pd.DataFrame, name: str) -> None:
    """Clean tables equal, row for row; for ``READ_IN_ANOTHER_ORDER`` the same rows in any
    order."""
    if name in READ_IN_ANOTHER_ORDER:
        a, b = (
            t.sort_values(list(t.columns), kind="stable").reset_index(drop=True) for t in (a, b)
        )
    pd.testing.assert_frame_equal(a, b, check_exact=True, obj=name)


def test_intake_from_postgres_equals_intake_from_files(
    crm, demo_dir, tmp_path, password, monkeypatch
):
    monkeypatch.setattr(database, "CHUNK_ROWS", 1000)  # many chunks per table
    reid_db, reid_files = tmp_path / "reid" / "db.parquet", tmp_path / "reid" / "files.parquet"
    out = tmp_path / "processed"
    db = run_intake(crm, out / "db", salt=SALT, reid_file=reid_db)
    files = run_intake(demo_dir, out / "files", salt=SALT, reid_file=reid_files)
    assert (
        set(db.tables) == set(files.tables) == {"customers", "orders", "events", "feedback", "kano"}
    )
    for name in files.tables:
        a = pd.read_parquet(out / "db" / "clean" / f"{name}.parquet")
        b = pd.read_parquet(out / "files" / "clean" / f"{name}.parquet")
        assert_same_clean_table(a, b, name)
    qa = json.loads((out / "db" / "quality.json").read_text(encoding="utf-8"))
    qb = json.loads((out / "files" / "quality.json").read_text(encoding="utf-8"))
    assert _without_source(qa) == _without_source(qb)
    assert qa["files"]["orders"] == "orders"
    n_orders = qa["rows_raw"]["orders"]
    assert qa["reading"]["orders"] == {
        "kind": "postgresql",
        "source": "table",
        "chunks": -(-n_orders // 1000),
    }
    # the re-identification table maps the same pseudonyms to the same CRM ids
    pd.testing.assert_frame_equal(pd.read_parquet(reid_db), pd.read_parquet(reid_files))
    # nothing stored names the password
    for p in _files_under(tmp_path):
        assert PASSWORD.encode() not in p.read_bytes(), p


@pytest.fixture(scope="module")
def keys_db(pg):
    """Database keys: integer keys in one customer table, zero-padded text keys in another,
    order lines under other names (read through a query)."""
    pg.create("keys", "analyst", PASSWORD)
    with closing(pg.connect("analyst", PASSWORD, "keys")) as c, c.cursor() as cur:
        cur.execute("CREATE SCHEMA shop")
        cur.execute("CREATE TABLE shop.members (customer_id bigint, signup_date date)")
        cur.execute(
            "INSERT INTO shop.members VALUES (123, '2024-01-05'), (98765432109876543, '2024-02-01')"
        )
        cur.execute('CREATE TABLE shop."Members_Text" (customer_id varchar(10), signup_date date)')
        cur.execute(
            """INSERT INTO shop."Members_Text" VALUES ('00123', '2024-01-05'), ('0042', NULL)"""
        )
        cur.execute(
            "CREATE TABLE shop.lines (order_no text, member text, day date, total numeric(12,2))"
        )
        cur.execute(
            """INSERT INTO shop.lines VALUES
            ('A1', '123', '2024-03-01', 19.90), ('A2', '98765432109876543', '2024-03-02', 5),
            ('A3', '00123', '2024-03-03', 7.5), ('A4', '0042', '2024-03-04', 12),
            ('B1', '123', '2024-03-05', NULL)"""
        )
    return pg.url("analyst", "keys")


# run as written: '%' and ':' are the query's own (no parameters are ever bound into it)
QUERY = (
    "SELECT order_no, member, day::date AS day, total FROM shop.lines\n"
    "WHERE total IS NOT NULL AND order_no LIKE '%' AND to_char(day, 'HH24:MI') = '00:00';\n"
)


def test_keys_stay_text_as_stored_and_queries_run_as_written(keys_db, tmp_path, password):
    from kequn.data.privacy import load_salt, pseudonymize

    url = keys_db
    salt = load_salt(SALT)
    cmap = tmp_path / "map.yaml"

    def run(customers_table):
        cmap.write_text(  # JSON is YAML
            json.dumps(
                {
                    "tables": {"customers": customers_table},
                    "queries": {"orders": QUERY},
                    "orders": {
                        "order_id": "order_no",
                        "customer_id": "member",
                        "order_date": "day",
                        "amount": "total",
                    },
                }
            )
        )
        reid = tmp_path / "reid.parquet"
        out = tmp_path / "processed" / "keys"
        r = run_intake(url, out, column_map=cmap, salt=SALT, reid_file=reid, as_of="2024-06-30")
        return r, r.quality

    r, q = run("shop.members")  # bigint keys: their decimal text, all 17 digits
    assert sorted(q["files"].values()) == ["queries: orders", "shop.members"]
    assert (
        q["reading"]["orders"]["source"] == "query"
        and q["reading"]["customers"]["source"] == "table"
    )
    assert q["rows_raw"]["orders"] == 4 and q["rows_clean"]["orders"] == 2
    zeros = [w for w in q["warnings"] if w.get("rule") == "keys_differ_by_leading_zeros"]
    assert zeros and zeros[0]["count"] == 1  # '00123' is not 123: said, never merged
    ints = ["123", "98765432109876543"]
    assert list(r.tables["customers"]["customer_id"]) == list(pseudonymize(pd.Series(ints), salt))
    assert pd.read_parquet(tmp_path / "reid.parquet")["crm_id"].tolist() == ints
    assert sorted(r.tables["orders"]["amount"].tolist()) == [5.0, 19.9]

    r, q = run("shop.Members_Text")  # varchar keys: '00123' stays '00123' (case of the name kept)
    assert q["files"]["customers"] == "shop.Members_Text"
    texts = ["00123", "0042"]
    assert list(r.tables["customers"]["customer_id"]) == list(pseudonymize(pd.Series(texts), salt))
    assert pd.read_parquet(tmp_path / "reid.parquet")["crm_id"].tolist() == texts
    assert q["rows_clean"]["orders"] == 2  # A3 (00123) and A4 (0042) linked


def test_a_bad_value_is_said_with_its_table_and_row(keys_db, tmp_path, password):
    """Messages name the table (or the column map's query) and the row, as they name a file
    and its line; row 1 is the first row the database returned."""
    from kequn.data.problems import InputError

    url = keys_db
    cmap = tmp_path / "map.yaml"
    cmap.write_text(
        json.dumps(
            {
                "tables": {"customers": "shop.members"},
                "queries": {
                    "orders": "SELECT * FROM (VALUES ('A1', '123', '2024-03-01', 5), "
                    "('A2', '123', 'next Tuesday', 6), ('A3', '123', '2024-03-02', 7)) "
                    "AS t (order_id, customer_id, order_date, amount)"
                },
            }
        )
    )
    with pytest.raises(InputError) as e:
        run_intake(url, tmp_path / "p" / "r", column_map=cmap, salt=SALT)
    (p,) = e.value.problems
    assert (p.file, p.column, p.rows, p.values) == (
        "queries: orders",
        "order_date",
        [2],
        ["next Tuesday"],
    )
    assert "queries: orders，字段“order_date”，第 2 行" in e.value.render("zh")
    assert (
        "queries: orders, column 'order_date', row 2: the value cannot be read"
        in e.value.render("en")
    )
    assert not (tmp_path / "p").exists()  # nothing written


def test_open_run_builds_a_run_from_a_database(crm, tmp_path, password, monkeypatch):
    import kequn

    monkeypatch.setenv("KEQUN_ROOT", str(tmp_path))  # salt and re-identification table here
    run = kequn.open_run(tmp_path / "processed" / "run", data=crm)
    assert len(run["features"]) == len(run["customers"]) > 0


def test_the_intake_stamp_follows_the_rows(crm, tmp_path, password):
    run_intake(crm, tmp_path, salt=SALT)
    stamp = (tmp_path / "intake.stamp").read_text()
    now = lambda: input_fingerprint(crm, None, None, "error", None, None)  # noqa: E731
    assert now() == stamp  # nothing changed: intake is not rerun
    with closing(pg_connect(crm)) as c:
        c.execute(
            "INSERT INTO orders (order_id, customer_id, order_date, amount) "
            "SELECT 'O-new', customer_id, order_date, 1 FROM orders LIMIT 1"
        )
        try:
            assert now() != stamp  # a row more
            c.execute("UPDATE orders SET order_date = order_date + 1 WHERE order_id = 'O-new'")
            later = now()
            assert later != stamp
            c.execute("UPDATE orders SET amount = 2 WHERE order_id = 'O-new'")
            assert now() not in (stamp, later)  # a value changed in place (count, dates kept)
        finally:
            c.execute("DELETE FROM orders WHERE order_id = 'O-new'")
    assert now() == stamp
    assert input_fingerprint(crm, None, "2026-01-01", "error", None, None) != stamp  # settings


def pg_connect(url):
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return psycopg.connect(
        host=u.host,
        port=u.port,
        user=u.username,
        password=PASSWORD,
        dbname=u.database,
        autocommit=True,
    )


def _report(tmp_path, url, lang, capsys):
    """``kequn report`` (what ``make report`` runs) in this process; its exit code and output."""
    from kequn.run import cli

    cfg = tmp_path / f"{lang}.yaml"
    cfg.write_text(f"lang: {lang}\nprivacy: {{salt: t, reid_dir: {tmp_path / 'reid'}}}\n")
    code = cli.main(
        [
            "report",
            NB01,
            f"--config={cfg}",
            f"--data={url}",
            "--run=db",
            f"--processed={tmp_path / 'processed'}",
            f"--reports={tmp_path / 'reports'}",
        ]
    )
    out = capsys.readouterr()
    return code, out.out + out.err


CASES = {
    # case: (URL maker, password in the environment, what the message says in zh / en)
    "unreachable": (
        lambda pg: f"postgresql://analyst@127.0.0.1:{pg_server.free_port()}/crm",
        PASSWORD,
        ("无法连接数据库服务器 127.0.0.1", "could not connect to the database server at 127.0.0.1"),
    ),
    "wrong_password": (
        lambda pg: pg.url("analyst", "crm"),
        WRONG,
        ("数据库拒绝了用户“analyst”的登录", "the database refused the login of user 'analyst'"),
    ),
    "no_such_database": (
        lambda pg: pg.url("analyst", "crm_nope"),
        PASSWORD,
        ("服务器上没有数据库“crm_nope”", "the server has no database 'crm_nope'"),
    ),
    "missing_table": (
        lambda pg: pg.url("analyst", "keys_or_empty"),
        PASSWORD,
        (
            "数据库中没有 orders 表所用的表或视图“orders”",
            "the database has no table or view 'orders' for the orders table",
        ),
    ),
    "password_in_url": (
        lambda pg: f"postgresql://analyst:{PASSWORD}@127.0.0.1:{pg.port}/crm",
        PASSWORD,
        ("数据库地址中含有密码（已隐去）", "the database URL holds a password (hidden here)"),
    ),
}


@pytest.fixture(scope="module")
def empty_db(pg, crm):
    pg.create("keys_or_empty", "analyst", PASSWORD)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("case", list(CASES))
def test_database_problems_are_said_in_the_run_language_without_password(
    pg, crm, empty_db, case, lang, tmp_path, capsys, monkeypatch
):
    make_url, secret, says = CASES[case]
    monkeypatch.setenv("KEQUN_DB_PASSWORD", secret)
    code, text = _report(tmp_path, make_url(pg), lang, capsys)
    assert code == 2, text
    assert says[0 if lang == "zh" else 1] in text, text
    assert ("修改" if lang == "zh" else "fix:") in text
    assert "Traceback" not in text and PASSWORD not in text and WRONG not in text
    for p in _files_under(tmp_path):
        assert PASSWORD.encode() not in p.read_bytes() and WRONG.encode() not in p.read_bytes(), p
    assert not (tmp_path / "processed" / "db" / "quality.json").exists()


def test_a_pgpass_file_gives_the_password(crm, tmp_path, monkeypatch):
    for k in ("KEQUN_DB_PASSWORD", "PGPASSWORD", "PGPASSFILE"):
        monkeypatch.delenv(k, raising=False)
    passfile = tmp_path / "pgpass"
    port = crm.rsplit(":", 1)[1].split("/")[0]
    passfile.write_text(
        f"# host:port:database:user:password\n127.0.0.1:{port}:*:analyst:{PASSWORD}\n"
    )
    passfile.chmod(0o600)
    monkeypatch.setenv("KEQUN_DB_PASSFILE", str(passfile))
    assert input_fingerprint(crm, None, None, "error", None, None)


def test_the_cli_says_a_refused_login_without_traceback_or_password(crm, tmp_path):
    """The real process: exit code 2, the message in Chinese, no traceback, no password."""
    cfg = tmp_path / "zh.yaml"
    cfg.write_text("lang: zh\n")
    env = {**os.environ, "KEQUN_DB_PASSWORD": WRONG, "PGPASSWORD": WRONG}
    r = subprocess.run(
        [sys.executable, "-m", "kequn.run.cli", "report", NB01, f"--config={cfg}", f"--data={crm}",
         "--run=db", f"--processed={tmp_path}/processed", f"--reports={tmp_path}/reports"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert r.returncode == 2, r.stderr
    assert "数据库拒绝了用户“analyst”的登录" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout and WRONG not in r.stderr + r.stdout


def test_a_drivers_message_is_scrubbed_of_passwords(monkeypatch):
    monkeypatch.setenv("KEQUN_DB_PASSWORD", PASSWORD)
    u = database.parse_url("postgresql://analyst@h:5432/crm")
    said = database.scrub(f"auth {PASSWORD} at postgresql://analyst:{WRONG}@h/crm", u)
    assert said == "auth *** at postgresql://analyst:***@h/crm"


def test_urls_are_recognised_and_shown_without_password():
    assert database.is_url("postgresql://u@h:5432/db") and database.is_url("mysql+pymysql://u@h/db")
    assert database.is_url("postgres://u@h/db") and database.is_url("mariadb://u@h/db")
    assert (
        not database.is_url("data/demo")
        and not database.is_url("C:/data")
        and not database.is_url(None)
    )
    assert not database.is_url("sqlite:///x.db") and not database.is_url(
        Path("postgresql://u@h/db")
    )
    assert database.safe_url("postgresql://u:s3cr%40t@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert database.safe_url("mysql+pymysql://u:p/w@d@h/db?x=1") == "mysql+pymysql://u:***@h/db?x=1"
    assert (
        database.safe_url("postgresql://u@h/db?options=a:b@c")
        == "postgresql://u@h/db?options=a:b@c"
    )
    assert database.database_name("postgresql://u@h:5/crm?sslmode=require") == "crm"
    assert database.parse_url("mysql://u@h/db").drivername == "mysql+pymysql"
    assert database.parse_url("postgres://u@h/db").drivername == "postgresql"
    from kequn.run.config import default_run, resolve

    assert (
        default_run("postgresql://u@h:5/crm", today=__import__("datetime").date(2026, 1, 2))
        == "crm-20260102"
    )
    assert resolve("postgresql://u@h:5/crm") == "postgresql://u@h:5/crm"


def _artifacts(processed: Path) -> dict[str, object]:
    """A run's processed artifacts, as compared between runs: tables as frames, JSON as data
    (quality.json without where the tables came from); params.yaml (paths) left out."""
    out: dict[str, object] = {}
    for p in sorted(processed.rglob("*")):
        rel = str(p.relative_to(processed))
        if not p.is_file() or p.name in ("params.yaml", "intake.stamp") or "failed" in p.parts:
            continue
        if p.suffix == ".parquet":
            out[rel] = pd.read_parquet(p)
        elif p.suffix == ".json":
            data = json.loads(p.read_text(encoding="utf-8"))
            out[rel] = _without_source(data) if p.name == "quality.json" else data
        elif p.suffix == ".csv":
            out[rel] = p.read_text(encoding="utf-8-sig")
    return out


def _assert_same(a: dict, b: dict) -> None:
    assert sorted(a) == sorted(b)
    for k in a:
        if isinstance(a[k], pd.DataFrame):
            assert_same_clean_table(a[k], b[k], Path(k).stem if k.startswith("clean") else k)
        else:
            assert a[k] == b[k], k


def _make(tmp, data, run, *notebooks):
    from runs import make

    extra = [f"NOTEBOOKS={' '.join(notebooks)}"] if notebooks else []
    r = make(tmp, data, run, *extra)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    return r


@pytest.mark.e2e
@pytest.mark.slow
def test_make_report_from_postgres_gives_the_files_run(crm, demo_dir, tmp_path, password):
    """`make report DATA=postgresql://…` (stage 01: intake, features, its page) equals the same
    stages on the files; its page names the database; no password anywhere; a rerun knows when
    the database changed."""
    import yaml
    from kequn.data.run_folder import features_for_run, intake_from_params
    from kequn.run.cli import _intake_stale

    (tmp_path / "config.yaml").write_text(
        f"lang: en\nprivacy: {{salt: e2e, reid_dir: {tmp_path / 'reid'}}}\n"
    )
    first = _make(tmp_path, crm, "pg", "notebooks/01_profiling.ipynb")
    processed = tmp_path / "processed" / "pg"
    # the files run: the same settings, the same functions stage 01 calls
    p = yaml.safe_load((processed / "params.yaml").read_text(encoding="utf-8"))
    assert p["data_dir"] == crm
    ref = tmp_path / "processed" / "files"
    q = intake_from_params(**{**p, "data_dir": str(demo_dir), "processed_dir": str(ref)})
    features_for_run(ref, q, top_n=p["profiling"]["top_n"])
    got = {k: v for k, v in _artifacts(processed).items() if k != "profiling.json"}
    _assert_same(got, _artifacts(ref))
    reid = sorted((tmp_path / "reid").glob("*.parquet"))
    pd.testing.assert_frame_equal(pd.read_parquet(reid[0]), pd.read_parquet(reid[1]))
    page = (tmp_path / "reports" / "pg" / "01_profiling.html").read_text(encoding="utf-8")
    assert crm in page and "postgresql" in page  # where the data came from, said on the page
    for f in _files_under(tmp_path):
        assert PASSWORD.encode() not in f.read_bytes(), f
    assert PASSWORD not in first.stdout + first.stderr
    # nothing changed: intake is not rerun, nor the stage
    again = _make(tmp_path, crm, "pg", "notebooks/01_profiling.ipynb")
    assert "intake:" not in again.stdout and "0 of 1 stages run" in again.stdout, again.stdout
    # a new order in the database: intake is due again
    with closing(pg_connect(crm)) as c:
        c.execute(
            "INSERT INTO orders (order_id, customer_id, order_date, amount) "
            "SELECT 'O-e2e', customer_id, order_date, 1 FROM orders LIMIT 1"
        )
        try:
            assert _intake_stale(processed / "params.yaml", processed, p)
        finally:
            c.execute("DELETE FROM orders WHERE order_id = 'O-e2e'")
    assert not _intake_stale(processed / "params.yaml", processed, p)


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("KEQUN_DB_FULL_RUN"),
    reason="all six stages twice (~3.5 min): set KEQUN_DB_FULL_RUN=1",
)
def test_a_whole_report_from_postgres_equals_the_files_report(crm, demo_dir, tmp_path, password):
    """All six stages, from the database and from the files (same run name and settings): every
    processed artifact equal but what only generated demo files have (the planted truth)."""
    runs = {}
    for name, data in (("pg", crm), ("files", demo_dir)):
        tmp = tmp_path / name
        tmp.mkdir()
        (tmp / "config.yaml").write_text(
            f"lang: en\nprivacy: {{salt: e2e, reid_dir: {tmp / 'reid'}}}\n"
        )
        _make(tmp, data, "r")
        runs[name] = _artifacts(tmp / "processed" / "r")
    a, b = runs["pg"], runs["files"]
    for k, v in a.items():  # the files run checks results against the demo's _truth/ folder
        if isinstance(v, dict) and "truth" in v and v["truth"] is None:
            v.pop("truth"), b[k].pop("truth")
    _assert_same(a, b)
    for f in _files_under(tmp_path):
        assert PASSWORD.encode() not in f.read_bytes(), f
