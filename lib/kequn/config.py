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

from .io import read_yaml
from .problems import InputError, Problem

DEFAULTS = {
    "lang": "zh",
    "seed": 7,
    "as_of": None,
    "column_map": None,
    "currency": "CNY",  # ISO 4217 code of the export's amounts (a column map's currency: wins)
    "currency_symbol": None,  # None: the code's usual symbol (kequn.currency)
    "intake": {"invalid_rows": "error", "date_format": None},
    "privacy": {"salt": None, "salt_file": "data/.salt", "reid_dir": "data/.reid"},
    "profiling": {
        "age_edges": [18, 25, 35, 45, 55, 65],
        "income_edges": [5000, 10000, 20000, 50000],
        "top_n": 12,
    },
    "clustering": {
        "method": "kmeans",
        "feature_sets": [
            "demographic",
            "geographic",
            "psychographic",
            "behaviour",
            "channel",
            "category",
            "online",
            "service",
        ],
        "weights": {},
        "k": None,
        "k_range": [3, 10],
        "criterion": "prediction_strength",
        "k_tolerance": 0.1,
        "min_share": 0.03,
        "sample_size": 20000,
        "min_cluster_size": None,
        "bootstrap": 20,
        "rules": {},
        "attractiveness": {
            "revenue_share": 3.0,
            "clv": 2.0,
            "value": 1.0,
            "size": 1.0,
            "growth": 1.0,
            "reach": 1.0,
        },
    },
    "value": {
        "rfm_bins": 5,
        "rfm_edges": {},
        "rfm_cut": "mean",
        "tier_shares": [0.01, 0.05, 0.20],
        "horizon_months": 12,
        "annual_discount_rate": 0.10,
        "margin": None,
        "holdout_weeks": 26,
        "lifecycle": {
            "new_days": 90,
            "sleeping_after": 2.0,
            "churned_after": 4.0,
            "min_rhythm_days": 30,
            "churn_p_alive": 0.2,
            "risk_days": 90,
        },
    },
    "needs": {
        "kano_table": "standard",
        "kano_rule": "mom",
        "kano_margin": 0.05,
        "kano_min_n": 30,
        "min_score": 0.6,
        "min_gap": 0.05,
        "service_channels": ["门店", "电话订购", "store", "phone"],
        "horizon_days": 90,
        "top_categories": 8,
        "target_share": 0.1,
        "trend_measure": "revenue",
        "trend_window": 12,
        "trend_alpha": 0.05,
        "forecast_months": 3,
        "backtest_origins": 6,
    },
    "feedback": {
        "response_sla_hours": 24,
        "resolution_sla_hours": 72,
        "max_half_width": 10.0,
        "min_answers": 30,
        "topics": 8,
        "alert_days": 90,
    },
}


def project_root() -> Path:
    env = os.environ.get("KEQUN_ROOT")
    return Path(env) if env else Path(__file__).resolve().parents[2]


def resolve(path: str | Path | None) -> Path | None:
    if path is None or path == "":
        return None
    p = Path(path)
    return p if p.is_absolute() else project_root() / p


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
        if unknown:
            raise InputError(
                [
                    Problem.of(
                        "unknown_settings",
                        p.name,
                        names=", ".join(unknown),
                        allowed=", ".join(DEFAULTS),
                    )
                ]
            )
        cfg = _merge(cfg, user)
        wrong = _wrong_types(DEFAULTS, cfg)
        if wrong:
            raise InputError(
                [
                    Problem.of("setting_type", p.name, name=n, kind_zh=k[0], kind_en=k[1])
                    for n, k in wrong
                ]
            )
    if cfg["lang"] not in ("zh", "en"):
        raise InputError([Problem.of("bad_lang", str(path), value=cfg["lang"])])
    from .currency import valid_code

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
    """The parameters papermill injects into every stage notebook (YAML keeps their types)."""
    check_run_name(run)
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
    """``<data folder>-<yyyymmdd>``, characters a run name may not hold replaced by ``-``."""
    name = re.sub(r"[^\w\- ]+", "-", Path(os.path.abspath(data_dir)).name).strip(" -") or "data"
    return f"{name}-{(today or dt.date.today()):%Y%m%d}"


def inside(folder: str | Path, name: str | Path, what: str = "files:") -> Path:
    """``folder / name`` resolved (symlinks followed); ``InputError`` (``path_outside``) when
    it lies outside ``folder``: a column map or config must not make Kequn read other files."""
    base = Path(folder).resolve()
    p = (base / Path(name)).resolve()
    if not p.is_relative_to(base):
        raise InputError([Problem.of("path_outside", str(name), what=what, name=str(name))])
    return p


def check_data_files(data_dir: str | Path, files: dict) -> None:
    """Every file named under a column map's ``files:`` lies inside ``data_dir``; all
    offending entries are reported together (names only, never the files' content)."""
    problems = []
    for table, name in (files or {}).items():
        try:
            inside(data_dir, str(name), what=f"files: {table}")
        except InputError as e:
            problems += e.problems
    if problems:
        raise InputError(problems)
