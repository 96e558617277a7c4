"""A throwaway MariaDB server for the MySQL tests (test_database_mysql.py), made the way
tests/pg_server.py makes PostgreSQL's: ``mariadb-install-db`` in a temporary folder, ``mariadbd``
on a free port of 127.0.0.1 (its Unix socket inside that folder), as ``nobody`` when run by
root, stopped and removed afterwards. Debian's ``mariadb-server`` provides the programs
(``make mariadb`` installs it); Debian's own service is not used.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from contextlib import closing
from pathlib import Path

from pg_server import free_port


def my_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    p = Path("/usr/sbin") / name
    return str(p) if p.exists() else None


class MariaDbServer:
    def __init__(self):
        self.install_db = my_bin("mariadb-install-db") or my_bin("mysql_install_db")
        self.mariadbd = my_bin("mariadbd")
        if not (self.install_db and self.mariadbd):
            raise FileNotFoundError("mariadb-install-db / mariadbd not found (make mariadb)")
        self.root = Path(tempfile.mkdtemp(prefix="kequn-my-"))
        self.data = self.root / "data"
        self.user: list[str] = []
        if os.geteuid() == 0:  # mariadbd will not run as root unless told to: run it as nobody
            u = pwd.getpwnam("nobody")
            os.chown(self.root, u.pw_uid, u.pw_gid)
            self.user = ["--user=nobody"]
        self.port, self.proc = 0, None

    def start(self) -> "MariaDbServer":
        subprocess.run(
            [self.install_db, "--no-defaults", f"--datadir={self.data}", *self.user,
             "--auth-root-authentication-method=normal", "--skip-test-db"],
            capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        for attempt in range(3):
            self.port = free_port()
            self.proc = subprocess.Popen(
                [self.mariadbd, "--no-defaults", f"--datadir={self.data}", *self.user,
                 "--bind-address=127.0.0.1", f"--port={self.port}",
                 f"--socket={self.root / 'sock'}", f"--pid-file={self.root / 'pid'}",
                 "--skip-name-resolve", "--innodb-buffer-pool-size=16M",
                 "--innodb-flush-log-at-trx-commit=0", f"--log-error={self.root / 'err'}"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    self.connect().close()
                    return self
                except Exception:
                    time.sleep(0.1)
            self._kill()
        raise RuntimeError((self.root / "err").read_text()[-2000:])

    def _kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def stop(self) -> None:
        try:
            self._kill()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, user: str, db: str) -> str:
        return f"mysql+pymysql://{user}@127.0.0.1:{self.port}/{db}"

    def connect(self, user="root", password="", db=None):
        import pymysql

        return pymysql.connect(
            host="127.0.0.1", port=self.port, user=user, password=password, database=db,
            charset="utf8mb4", autocommit=True,
        )  # fmt: skip

    def create(self, db: str, owner: str, password: str) -> None:
        with closing(self.connect()) as c, c.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{db}` CHARACTER SET utf8mb4")
            cur.execute(f"CREATE USER IF NOT EXISTS '{owner}'@'%%' IDENTIFIED BY %s", (password,))
            cur.execute(f"GRANT ALL ON `{db}`.* TO '{owner}'@'%'")


# The demo export as MySQL types (DECIMAL needs its scale: plain DECIMAL is DECIMAL(10,0)).
DEMO_TYPES = {
    "signup_date": "DATE",
    "order_date": "DATE",
    "ts": "DATETIME",
    "created_at": "DATETIME",
    "first_response_at": "DATETIME",
    "resolved_at": "DATETIME",
    "birth_year": "INT",
    "family_size": "INT",
    "quantity": "INT",
    "importance": "SMALLINT",
    "income": "DECIMAL(14,2)",
    "amount": "DECIMAL(14,2)",
    "cost": "DECIMAL(14,2)",
    "discount": "DECIMAL(6,4)",
    "rating": "DOUBLE",
    "nps": "DOUBLE",
    "coupon_used": "BOOLEAN",
}


def load_csv_folder(
    conn, folder: Path, tables=("customers", "orders", "events", "feedback", "kano")
):
    """Each ``<table>.csv`` into a typed InnoDB table of that name, in the file's order (a
    table without a primary key is stored in insertion order)."""
    import csv

    with conn.cursor() as cur:
        for table in tables:
            path = Path(folder) / f"{table}.csv"
            if not path.exists():
                continue
            with open(path, encoding="utf-8", newline="") as f:
                rows = list(csv.reader(f))
            header, body = rows[0], rows[1:]
            typed = ", ".join(
                f"`{h}` {DEMO_TYPES.get(h, 'SMALLINT' if h.startswith('psy_') else 'TEXT')}"
                for h in header
            )
            cur.execute(f"CREATE TABLE `{table}` ({typed}) ENGINE=InnoDB")
            sql = f"INSERT INTO `{table}` VALUES ({', '.join(['%s'] * len(header))})"
            for i in range(0, len(body), 5000):
                cur.executemany(
                    sql, [[v if v != "" else None for v in r] for r in body[i : i + 5000]]
                )
