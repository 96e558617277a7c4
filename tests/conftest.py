"""Shared fixtures: small demo exports (clean and messy) generated once per test session."""

from __future__ import annotations

import hashlib
import inspect
import os
from pathlib import Path

import pytest
from kequn.demo import synth

ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = ROOT / "tests" / "data"
SALT = "test-salt"


@pytest.fixture(scope="session")
def demo():
    return synth.generate(3000, seed=11)


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory, demo):
    return synth.write(demo, tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def messy_dir(tmp_path_factory, demo):
    return synth.write(demo, tmp_path_factory.mktemp("messy"), messy=True, seed=11)


def tree_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` (to prove raw files are never modified)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# Markers (registered in pyproject.toml): `make test-fast` runs what is neither e2e nor browser.
# e2e: a whole run through `make report` (the modules below, or a test using one of these
# fixtures); browser: opens pages in headless Chromium; slow: either of them.
E2E_MODULES = {"test_end_to_end", "test_real_exports", "test_optional_columns"}
E2E_FIXTURES = {
    "e2e",
    "ta_feng",
    "retail",
    "kano_run",
    "hostile_run",
    "all_minimal",
    "feedback_text_only",
    "zh_run",
}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups (loadgroup)
def pytest_collection_modifyitems(config, items):
    groups = _xdist_groups(config)
    for item in items:
        module = getattr(item, "module", None)
        name = module.__name__.rsplit(".", 1)[-1] if module else ""
        fixtures = set(getattr(item, "fixturenames", ()))
        try:
            source = inspect.getsource(item.function) if hasattr(item, "function") else ""
        except (OSError, TypeError):
            source = ""
        e2e = name in E2E_MODULES or bool(fixtures & E2E_FIXTURES) or "make(" in source
        browser = "chromium" in source
        if e2e:
            item.add_marker(pytest.mark.e2e)
        if browser:
            item.add_marker(pytest.mark.browser)
        if e2e or browser:
            item.add_marker(pytest.mark.slow)
        group = _xdist_group(item, name) if groups else None
        if group:
            item.add_marker(pytest.mark.xdist_group(group))
    if groups:  # the costliest work first (`make test` passes --no-loadscope-reorder)
        items[:] = _costliest_first(items)


def _xdist_groups(config) -> bool:
    """Whether the tests run on pytest-xdist workers grouped (``make test``: ``-n auto --dist
    loadgroup``)."""
    if not config.pluginmanager.hasplugin("xdist"):
        return False
    # on a worker xdist sets dist to "no" and keeps loadgroup
    return config.getoption("dist", "no") == "loadgroup" or getattr(
        config.option, "loadgroup", False
    )


def _xdist_group(item, module: str) -> str | None:
    """The worker group of a test, so that what is made once is made once on one worker: the
    notebooks in order on one kernel each (00 … 06 share data/processed), the Spark tests on
    one JVM, the database tests on one PostgreSQL and one MariaDB server, and the tests of a
    module that share a module-scoped fixture (its runs of `make report`) together. None: a
    test that shares nothing costly goes to whichever worker is free."""
    if item.path.suffix == ".ipynb":
        return "notebooks"
    info = getattr(item, "_fixtureinfo", None)
    defs = info.name2fixturedefs if info else {}
    if item.get_closest_marker("spark") or "spark" in defs:
        return "spark"
    if {"pg", "my"} & set(defs) or module.startswith("test_database"):  # (db: by request)
        return "databases"
    runs = _runs_of(item)
    if len(runs) == 1:  # the tests of one whole run, apart from the module's other runs
        return "run:" + runs.pop()
    if "request" in getattr(info, "argnames", ()) or any(
        d.scope == "module" for ds in defs.values() for d in ds
    ):
        return module or item.path.stem  # (request: getfixturevalue may ask for one)
    return None


def _runs_of(item) -> set[str]:
    """The whole runs (``E2E_FIXTURES``) a test uses: as fixtures, or by the name a parameter
    gives ``request.getfixturevalue``."""
    names = set(getattr(item, "fixturenames", ()))
    callspec = getattr(item, "callspec", None)
    if callspec is not None:
        names |= {v for v in callspec.params.values() if isinstance(v, str)}
    return names & E2E_FIXTURES


# Rough seconds of work, only to order the groups: xdist hands a free worker the next group in
# the order of the collection, so the longest go first and short tests fill in at the end
# (the longest group last would leave the other worker idle).
RUN_COST, STAGE_COST, BROWSER_COST = 40, 10, 20
ITEM_COST = {"notebooks": 2, "spark": 6, "databases": 2}


def _cost(item, group: str | None) -> int:
    """A test's own work: its whole runs (``make(`` in its body), its stages run alone (a stage
    or two, or a run that stops early), its browser, its kind."""
    try:
        source = inspect.getsource(item.function) if hasattr(item, "function") else ""
    except (OSError, TypeError):
        source = ""
    runs = source.count("make(") + source.count("run_at_commit(")
    stages = sum(source.count(s) for s in ("kequn.run.cli", "cli.main(", "papermill("))
    return (
        ITEM_COST.get(group, 1)
        + RUN_COST * runs
        + STAGE_COST * stages
        + BROWSER_COST * ("chromium" in source)
    )


def _costliest_first(items: list) -> list:
    """``items`` with each xdist group (or lone test) ordered by its cost, costliest first; a
    group's whole-run fixtures count once. Stable: a group keeps its own order."""
    key, cost, runs = {}, {}, {}
    for item in items:
        m = item.get_closest_marker("xdist_group")
        group = m.args[0] if m and m.args else (m.kwargs.get("name") if m else None)
        key[item] = k = group or item.nodeid
        cost[k] = cost.get(k, 0) + _cost(item, group)
        runs.setdefault(k, set()).update(_runs_of(item))
    total = {k: c + RUN_COST * len(runs[k]) for k, c in cost.items()}
    return sorted(items, key=lambda item: -total[key[item]])


@pytest.fixture(scope="session")
def spark():
    """One local Spark session (local[2]) for the whole test session (the JVM starts once); the
    process's master is set to it, so ``engine="spark"`` calls run on this session."""
    from kequn.data import engine, spark_engine

    before = engine.current()
    engine.use(before[0], "local[2]")
    # The tests' JVM compiles with C1 only and collects with the serial GC: on the tests' small
    # tables the JVM's own work (C2 compiling, parallel GC threads) was most of Spark's CPU (the
    # Spark tests: 193 → 118 core-seconds, the same results; a long job on a cluster wants C2)
    jvm = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
    s = spark_engine.session(
        "local[2]",
        {"spark.sql.shuffle.partitions": "2", "spark.driver.extraJavaOptions": jvm},
    )
    yield s
    spark_engine.stop()
    engine.use(*before)


# The database servers are started once per session (each ~5 s; test_database.py,
# test_database_mysql.py and test_database_sources.py share them, each in databases of its own).
@pytest.fixture(scope="session")
def pg():
    """A throwaway PostgreSQL server (tests/pg_server.py); skipped without its programs unless
    KEQUN_REQUIRE_POSTGRES is set (``make test`` sets it)."""
    import pg_server

    if not (pg_server.pg_bin("initdb") and pg_server.pg_bin("pg_ctl")):
        why = "PostgreSQL server programs (initdb, pg_ctl) not found: `make postgres` installs them"
        if os.environ.get("KEQUN_REQUIRE_POSTGRES"):
            pytest.fail(why)
        pytest.skip(why)
    server = pg_server.PgServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def my():
    """A throwaway MariaDB server (tests/mariadb_server.py); skipped without its programs unless
    KEQUN_REQUIRE_MARIADB is set (``make test`` sets it)."""
    import mariadb_server

    try:
        server = mariadb_server.MariaDbServer()
    except FileNotFoundError as e:
        if os.environ.get("KEQUN_REQUIRE_MARIADB"):
            pytest.fail(str(e))
        pytest.skip(str(e))
    server.start()
    try:
        yield server
    finally:
        server.stop()
