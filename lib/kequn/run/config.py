"""Run configuration: defaults, the user's YAML, and paths resolved from the project root.

papermill runs a notebook in the caller's folder and nbval in the notebook's, so relative
paths in parameters are always resolved against the project root, never the working
directory.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
from pathlib import Path

from kequn.data.files import read_yaml
from kequn.data.paths import (  # noqa: F401  (re-exported for settings)
    check_data_files,
    inside,
    project_root,
    resolve,
)
from kequn.data.problems import InputError, Problem, SettingsError
from kequn.run.params import DEFAULTS  # lib/kequn/run/defaults.yaml: the one source of defaults


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in (over or {}).items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


_KIND_NAMES = {
    int: ("整数", "whole number"),
    float: ("数字", "number"),
    str: ("文本", "text"),
    bool: ("true/false", "true/false"),
    list: ("数字列表", "list of numbers"),
    "names": ("名称列表", "list of names"),
}


def _wrong_types(default: dict, given: dict, prefix: str = "") -> list[tuple[str, tuple[str, str]]]:
    """Settings whose value is not of the default's type (numbers may be int or float)."""
    out = []
    for k, d in default.items():
        v = given.get(k)
        name = prefix + k
        if isinstance(d, dict):
            if not isinstance(v, dict):
                out.append((name, ("“名称: 值”形式的设置组", "mapping (name: value lines)")))
            else:
                out += _wrong_types(d, v, name + ".")
        elif d is not None and v is not None:
            if isinstance(d, float):
                ok = isinstance(v, (int, float)) and not isinstance(v, bool)
            elif isinstance(d, int) and not isinstance(d, bool):
                ok = isinstance(v, int) and not isinstance(v, bool)
            elif isinstance(d, list) and d and isinstance(d[0], str):
                ok = isinstance(v, list) and all(isinstance(x, str) for x in v)
            elif isinstance(d, list):
                ok = isinstance(v, list) and all(
                    isinstance(x, (int, float)) and not isinstance(x, bool) for x in v
                )
            else:
                ok = isinstance(v, type(d))
            if not ok:
                kind = "names" if isinstance(d, list) and d and isinstance(d[0], str) else type(d)
                out.append((name, _KIND_NAMES.get(kind, (type(d).__name__,) * 2)))
    return out


def _unknown_inside(user: dict) -> list[str]:
    """``section.key`` (and ``section.group.key``) names in a config that no setting has."""
    from kequn.run.params import GROUPS, SECTIONS

    out = []
    for sec in SECTIONS:
        given = user.get(sec)
        if not isinstance(given, dict):
            continue
        out += [f"{sec}.{k}" for k in given if k not in DEFAULTS[sec]]
        for g_sec, g in GROUPS:
            if g_sec == sec and isinstance(given.get(g), dict):
                out += [f"{sec}.{g}.{k}" for k in given[g] if k not in DEFAULTS[sec][g]]
    return out


def load_config(path: str | Path | None) -> dict:
    """Defaults overlaid with the YAML at ``path``; unknown keys and bad values are errors."""
    cfg = copy.deepcopy(DEFAULTS)
    if path:
        p = resolve(path)
        user = read_yaml(
            p,
            ("配置文件", "config file"),
            ("用 CONFIG=config/你的配置.yaml 指定", "pass CONFIG=config/your.yaml"),
        )
        unknown = sorted(set(user) - set(DEFAULTS))
        unknown += _unknown_inside(user)
        if unknown:
            from kequn.run.params import closest

            allowed = ", ".join(sorted({closest(n.split(".")[-1]) for n in unknown} - {"—"}))
            raise SettingsError(
                [
                    Problem.of(
                        "unknown_settings",
                        p.name,
                        names=", ".join(unknown),
                        allowed=allowed or ", ".join(DEFAULTS),
                    )
                ]
            )
        cfg = _merge(cfg, user)
        wrong = _wrong_types(DEFAULTS, cfg)
        if wrong:
            raise SettingsError(
                [
                    Problem.of("setting_type", p.name, name=n, kind_zh=k[0], kind_en=k[1])
                    for n, k in wrong
                ]
            )
    if cfg["lang"] not in ("zh", "en"):
        raise InputError([Problem.of("bad_lang", str(path), value=cfg["lang"])])
    from kequn.data.engine import check as check_engine

    engine_problems = check_engine(cfg.get("engine"), cfg.get("spark_master"), str(path))
    if engine_problems:
        raise SettingsError(engine_problems)
    from kequn.lang.currency import valid_code

    sym = cfg.get("currency_symbol")
    if not valid_code(cfg.get("currency")) or not (
        sym is None or (isinstance(sym, str) and sym.strip())
    ):
        raise InputError(
            [Problem.of("bad_currency", str(path), value=f"{cfg.get('currency')!r} / {sym!r}")]
        )
    salt = (cfg.get("privacy") or {}).get("salt")
    if salt is not None and not str(salt).strip():  # a salt from nothing is public
        raise InputError([Problem.of("salt_empty", str(path))])
    return cfg


def stage_params(cfg: dict, data_dir: str, processed_dir: str, run: str) -> dict:
    """The flat parameters papermill injects into the stage notebooks (``kequn.run.params``: one
    name per setting, ``k`` for ``clustering.k``; YAML keeps their types)."""
    from kequn.run.params import flatten

    return flatten(run_settings(cfg, data_dir, processed_dir, run))


def run_settings(cfg: dict, data_dir: str, processed_dir: str, run: str) -> dict:
    """A run's settings by config section, with where it runs (the run folder's
    ``params.yaml``, which the glossary and action lists read)."""
    check_run_name(run)
    from kequn.data.database import is_url, parse_url

    if is_url(data_dir):
        parse_url(str(data_dir))  # a URL holding a password is refused before it is stored
    return {
        "data_dir": str(data_dir),
        "processed_dir": str(processed_dir),
        "run": run,
        **cfg,
        "as_of": str(cfg["as_of"]) if cfg["as_of"] else None,
    }


# Run names become folder names under reports/ and data/processed/: letters, digits, CJK,
# "-", "_" and inner spaces; no path separator, no dot (so no ".."), no leading "-".
_RUN_NAME = re.compile(r"(?![-\s])[\w\- ]{1,100}(?<!\s)")
RESERVED_RUNS = {"latest"}


def check_run_name(run: str) -> str:
    """``run`` if it is a usable run name, else ``InputError`` (``bad_run_name``)."""
    if not isinstance(run, str) or not _RUN_NAME.fullmatch(run) or run.lower() in RESERVED_RUNS:
        raise InputError([Problem.of("bad_run_name", "RUN", name=str(run))])
    return run


def default_run(data_dir: str | Path, today: dt.date | None = None) -> str:
    """``<data folder>-<yyyymmdd>`` (``<database>-<yyyymmdd>`` for a database URL), characters
    a run name may not hold replaced by ``-``."""
    from kequn.data.database import database_name, is_url

    base = database_name(data_dir) if is_url(data_dir) else Path(os.path.abspath(data_dir)).name
    name = re.sub(r"[^\w\- ]+", "-", base).strip(" -") or "data"
    return f"{name}-{(today or dt.date.today()):%Y%m%d}"


CONFIG_PATHS = (("column_map",), ("privacy", "salt_file"), ("privacy", "reid_dir"))


def check_config_paths(cfg: dict, config_path: str | Path | None, data_dir: str | Path) -> None:
    """The files a config names (column map, salt file, re-identification folder) lie inside
    the project, the config's own folder or the data folder: a config handed over by someone
    else cannot make Kequn read or write elsewhere. All offending settings at once."""
    from kequn.data.database import is_url

    roots = [project_root().resolve()] + ([] if is_url(data_dir) else [Path(data_dir).resolve()])
    if config_path:
        roots.append(resolve(config_path).resolve().parent)
    problems = []
    for keys in CONFIG_PATHS:
        value = cfg
        for k in keys:
            value = (value or {}).get(k) if isinstance(value, dict) else None
        if not value:
            continue
        p = resolve(str(value)).resolve()
        if not any(p.is_relative_to(r) for r in roots):
            problems.append(
                Problem.of(
                    "config_path_outside",
                    str(config_path or "config"),
                    what=".".join(keys),
                    name=str(value),
                )
            )
    if problems:
        raise InputError(problems)
