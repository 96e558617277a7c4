"""Shared fixtures: small demo exports (clean and messy) generated once per test session."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from kequn import synth

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
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}
