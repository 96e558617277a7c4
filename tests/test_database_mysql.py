"""DATA=mysql+pymysql://…: the same code path as PostgreSQL's (kequn.data.database), against a real
MariaDB server (tests/mariadb_server.py): the demo export read from typed MySQL tables gives
what the files give; integer keys stay their digits; a refused login, a missing table and an
unreachable server are said in the run's language without traceback or password.

Without MariaDB's server programs the tests are skipped, unless KEQUN_REQUIRE_MARIADB is set
(``make test`` sets it, after ``make mariadb`` installed Debian's mariadb-server)."""

from __future__ import annotations

import json
from contextlib import closing

import pandas as pd
import pytest
from conftest import SALT
from kequn.data import database
from kequn.data.intake import input_fingerprint, run_intake
from test_database import (
    PASSWORD,
    WRONG,
    _files_under,
    _report,
    _without_source,
    assert_same_clean_table,
)

mariadb_server = pytest.importorskip("mariadb_server")


@pytest.fixture(scope="module")
def shop(my, demo_dir):
    my.create("shop", "analyst", PASSWORD)
    with closing(my.connect("analyst", PASSWORD, "shop")) as c:
        mariadb_server.load_csv_folder(c, demo_dir)
        with c.cursor() as cur:
            cur.execute("CREATE TABLE members (id BIGINT UNSIGNED, joined DATE)")
            cur.execute("INSERT INTO members VALUES (98765432109876543, '2024-01-05')")
    my.create("empty", "analyst", PASSWORD)
    return my.url("analyst", "shop")


@pytest.fixture
def password(monkeypatch):
    monkeypatch.setenv("KEQUN_DB_PASSWORD", PASSWORD)
    return PASSWORD


def test_intake_from_mariadb_equals_intake_from_files(
    shop, demo_dir, tmp_path, password, monkeypatch
):
    monkeypatch.setattr(database, "CHUNK_ROWS", 5000)
    out = tmp_path / "processed"
    db = run_intake(shop, out / "db", salt=SALT)
    files = run_intake(demo_dir, out / "files", salt=SALT)
    for name in files.tables:
        a = pd.read_parquet(out / "db" / "clean" / f"{name}.parquet")
        b = pd.read_parquet(out / "files" / "clean" / f"{name}.parquet")
        assert_same_clean_table(a, b, name)
    assert _without_source(db.quality) == _without_source(files.quality)
    assert db.quality["reading"]["orders"]["kind"] == "mysql"
    assert db.quality["reading"]["orders"]["chunks"] > 1
    stamp = (out / "db" / "intake.stamp").read_text()
    assert input_fingerprint(shop, None, None, "error", None, None) == stamp
    for p in _files_under(tmp_path):
        assert PASSWORD.encode() not in p.read_bytes(), p


def test_mariadb_integer_keys_stay_their_digits(shop, tmp_path, password):
    cmap = tmp_path / "map.yaml"
    cmap.write_text(
        json.dumps(
            {
                "tables": {"customers": "members"},
                "queries": {
                    "orders": "SELECT 'A1' AS order_id, id AS customer_id, "
                    "DATE '2024-02-01' AS order_date, 9.5 AS amount FROM members WHERE id LIKE '9%'"
                },
                "customers": {"customer_id": "id", "signup_date": "joined"},
            }
        )
    )
    reid = tmp_path / "reid.parquet"
    run_intake(shop, tmp_path / "p" / "r", column_map=cmap, salt=SALT, reid_file=reid)
    assert pd.read_parquet(reid)["crm_id"].tolist() == ["98765432109876543"]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(
    "case, says",
    [
        ("wrong_password", ("数据库拒绝了用户“analyst”的登录", "the database refused the login of user 'analyst'")),
        ("missing_table", ("数据库中没有 orders 表所用的表或视图“orders”", "the database has no table or view 'orders'")),
        ("unreachable", ("无法连接数据库服务器 127.0.0.1", "could not connect to the database server at 127.0.0.1")),
    ],
)  # fmt: skip
def test_mariadb_problems_are_said_without_password(
    my, shop, case, says, lang, tmp_path, capsys, monkeypatch
):
    from pg_server import free_port

    url = {
        "wrong_password": shop,
        "missing_table": my.url("analyst", "empty"),
        "unreachable": f"mysql+pymysql://analyst@127.0.0.1:{free_port()}/shop",
    }[case]
    monkeypatch.setenv("KEQUN_DB_PASSWORD", WRONG if case == "wrong_password" else PASSWORD)
    code, text = _report(tmp_path, url, lang, capsys)
    assert code == 2 and says[0 if lang == "zh" else 1] in text, text
    assert "Traceback" not in text and PASSWORD not in text and WRONG not in text
    for p in _files_under(tmp_path):
        assert PASSWORD.encode() not in p.read_bytes() and WRONG.encode() not in p.read_bytes(), p
