"""Reading settings files and writing files atomically, with nothing but the standard library
and PyYAML.

Kept apart from ``kequn.data.io`` (which imports pandas and pyarrow) because ``make report``
with nothing to redo reads the config and rewrites small text files only: importing pandas
there would cost most of a no-change rerun's second.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import yaml

from kequn.data.problems import InputError, Problem


def read_yaml(path: Path, what: tuple[str, str], fix: tuple[str, str]) -> dict:
    """A user's YAML file (config, column map) as a dict; a missing file or bad YAML is an
    ``InputError`` that says which file and what to do (``what``, ``fix``: zh and en)."""
    if not path.exists():
        raise InputError(
            [
                Problem.of(
                    "yaml_not_found",
                    str(path),
                    what_zh=what[0],
                    what_en=what[1],
                    fix_zh=fix[0],
                    fix_en=fix[1],
                )
            ]
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise InputError(
            [Problem.of("yaml_invalid", path.name, detail=str(e).splitlines()[0])]
        ) from None
    if not isinstance(data, dict):
        raise InputError([Problem.of("yaml_not_settings", path.name, kind=type(data).__name__)])
    return data


def tmp_beside(path: Path) -> Path:
    """A hidden temporary name beside ``path``, on the same file system, so a rename is atomic."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")


def write_text_atomic(text: str, path: str | Path) -> Path:
    """Write ``text`` (UTF-8) via a temporary file and a rename: a reader sees the old file or
    the new one, never half of it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_beside(path)
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
