"""A throwaway PostgreSQL server for the database tests (test_database.py): a cluster made by
``initdb`` in a temporary folder, started on a free port of 127.0.0.1 only (no Unix socket),
password logins (scram-sha-256) only, stopped and removed afterwards.

PostgreSQL refuses to run as root: as root the server runs as ``nobody`` (``runuser``), in a
folder that user owns. The binaries come from PATH, /usr/local/bin or Debian's
/usr/lib/postgresql/<version>/bin (``make postgres`` installs Debian's ``postgresql``).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import closing
from pathlib import Path

ADMIN, ADMIN_PASSWORD = "kequn_admin", "admin-Pw-7d41"


def pg_bin(name: str) -> str | None:
    """Path of a PostgreSQL server program, newest Debian version first."""
    found = shutil.which(name)
    if found:
        return found
    for d in ["/usr/local/bin", *sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]:
        p = Path(d) / name
        if p.exists():
            return str(p)
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self):
        self.initdb, self.pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
        if not (self.initdb and self.pg_ctl):
            raise FileNotFoundError("initdb / pg_ctl not found (make postgres installs them)")
        self.root = Path(tempfile.mkdtemp(prefix="kequn-pg-"))
        self.data = self.root / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # the server refuses root: run it as nobody, in a folder it owns
            user = pwd.getpwnam("nobody")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", "nobody", "--"]
            self._uid = (user.pw_uid, user.pw_gid)
        self.port = 0

    def _run(self, *args, timeout=60):
        return subprocess.run(
            [*self.as_user, *args], capture_output=True, text=True, timeout=timeout, check=True
        )

    def start(self) -> "PgServer":
        pw = self.root / "pw"
        pw.write_text(ADMIN_PASSWORD)
        pw.chmod(0o600)
        if self.as_user:
            os.chown(pw, *self._uid)
        self._run(
            self.initdb,
            "-D",
            str(self.data),
            "-U",
            ADMIN,
            f"--pwfile={pw}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--no-locale",
            "-E",
            "UTF8",
            "-N",
        )
        pw.unlink()
        for attempt in range(3):
            self.port = free_port()
            with open(self.data / "postgresql.conf", "a") as f:
                f.write(
                    f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                    "unix_socket_directories = ''\nfsync = off\nsynchronous_commit = off\n"
                    "full_page_writes = off\nshared_buffers = 32MB\nmax_connections = 20\n"
                )
            try:
                self._run(
                    self.pg_ctl, "-D", str(self.data), "-l", str(self.root / "log"), "-w",
                    "-t", "30", "start",
                )  # fmt: skip
                return self
            except subprocess.CalledProcessError:
                if attempt == 2:
                    raise RuntimeError((self.root / "log").read_text()[-2000:]) from None
                time.sleep(0.2)  # the port was taken in between: try another
        return self

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, user: str, db: str) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{db}"

    def connect(self, user=ADMIN, password=ADMIN_PASSWORD, db="postgres"):
        import psycopg

        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=user,
            password=password,
            dbname=db,
            autocommit=True,
        )

    def create(self, db: str, owner: str, password: str) -> None:
        """A login role ``owner`` (if new) and an empty database it owns."""
        from psycopg import sql

        with closing(self.connect()) as c, c.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (owner,))
            if not cur.fetchone():
                cur.execute(
                    sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                        sql.Identifier(owner), sql.Literal(password)
                    )
                )
            cur.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(db), sql.Identifier(owner)
                )
            )


# Column types of the demo export as a CRM database would hold them: typed dates, numerics,
# integers and booleans (so reading them back as text is tested), text for the rest.
DEMO_TYPES = {
    "signup_date": "date",
    "order_date": "date",
    "ts": "timestamp",
    "created_at": "timestamp",
    "first_response_at": "timestamp",
    "resolved_at": "timestamp",
    "birth_year": "integer",
    "family_size": "integer",
    "quantity": "integer",
    "importance": "smallint",
    "income": "numeric",
    "amount": "numeric(14,2)",
    "cost": "numeric",
    "discount": "numeric",
    "rating": "double precision",
    "nps": "double precision",
    "coupon_used": "boolean",
}


def load_csv_folder(
    conn, folder: Path, tables=("customers", "orders", "events", "feedback", "kano")
):
    """Each ``<table>.csv`` of a demo export into a typed table of that name, its rows stored
    in the file's order (COPY alone may place a later row on an earlier page; a table has no
    order, but comparing a run with the file-based run row by row needs the same one)."""
    import csv

    with conn.cursor() as cur:
        for table in tables:
            path = Path(folder) / f"{table}.csv"
            if not path.exists():
                continue
            with open(path, encoding="utf-8") as f:
                header = next(csv.reader(f))
            cols = ", ".join(f'"{h}"' for h in header)
            typed = ", ".join(
                f'"{h}" {DEMO_TYPES.get(h, "smallint" if h.startswith("psy_") else "text")}'
                for h in header
            )
            cur.execute(f'CREATE TEMP TABLE "load_{table}" (load_no bigserial, {typed})')
            copy = f'COPY "load_{table}" ({cols}) FROM STDIN WITH (FORMAT csv, HEADER true)'
            with cur.copy(copy) as cp:
                cp.write(path.read_bytes())
            cur.execute(
                f'CREATE TABLE "{table}" AS SELECT {cols} FROM "load_{table}" ORDER BY load_no'
            )
            cur.execute(f'DROP TABLE "load_{table}"')
