"""Stage parameters: one source of defaults, flat names in the notebooks.

``defaults.yaml`` (in this package) holds every setting with its default and a one-line
comment. A config file groups settings in sections (``clustering: {k: 5}``); a stage notebook's
parameters cell holds one line per setting under its flat name (``k = None  # number of
segments …``), so ``papermill -p k 5`` works. Every flat name is unique, so the mapping is the
line's key: ``clustering.k`` → ``k``, ``value.lifecycle.new_days`` → ``new_days``.

``settings(globals(), stage)`` (a notebook's second cell) turns the flat names back into the
sections the stage code reads, after checking them: names papermill injected that no stage
knows (a typo), values of the wrong type and values no run can use stop the notebook before any
work, with the problems in the run's language.
"""

from __future__ import annotations

import ast
import copy
import datetime
import difflib
import re
from pathlib import Path

import yaml

from kequn.data.settings import RUN_DEFAULTS

FILE = Path(__file__).with_name("defaults.yaml")
SECTIONS = ("intake", "privacy", "profiling", "clustering", "value", "needs", "feedback")
GROUPS = (("value", "lifecycle"),)  # groups of settings inside a section
# where the run is: not settings of a config file, but parameters of every notebook
RUN = {
    name: (RUN_DEFAULTS[name], comment)
    for name, comment in (
        ("data_dir", "folder holding the raw export (customers, orders, ...)"),
        ("processed_dir", "this run's clean tables and results"),
        ("run", "run name, as in reports/<run>/"),
    )
}
# the section a stage notebook reads besides the common settings (top level, intake, privacy,
# profiling: every stage may run intake and the features itself)
STAGES = {
    "01_profiling": (),
    "02_clustering": ("clustering",),
    "03_value": ("value",),
    "04_needs": ("needs",),
    "05_feedback": ("feedback",),
    "06_summary": (),
}
COMMON = ("intake", "privacy", "profiling")


def _read() -> tuple[dict, dict[str, str]]:
    text = FILE.read_text(encoding="utf-8")
    comments = {}
    for line in text.splitlines():
        m = re.match(r"\s*([A-Za-z_]\w*):.*?\s#\s(.*)$", line)
        if m and not line.lstrip().startswith("#"):
            comments[m.group(1)] = m.group(2).strip()
    return yaml.safe_load(text), comments


DEFAULTS, COMMENTS = _read()


def _paths() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}

    def walk(d: dict, prefix: tuple[str, ...]):
        for k, v in d.items():
            path = prefix + (k,)
            if (not prefix and k in SECTIONS) or path in GROUPS:
                walk(v, path)
            else:
                if k in out:
                    raise ValueError(f"{FILE.name}: the flat name {k!r} is used twice")
                out[k] = path
        return out

    return walk(DEFAULTS, ())


PATHS = _paths()  # flat name -> (section, [group,] key)
ALL = {**{n: (n,) for n in RUN}, **PATHS}


def stage_names(stage: str) -> list[str]:
    """The flat names of ``stage``'s parameters cell, in order."""
    keep = set(COMMON) | set(STAGES[stage])
    return list(RUN) + [n for n, p in PATHS.items() if len(p) == 1 or p[0] in keep]


def default(name: str):
    if name in RUN:
        return RUN[name][0]
    d = DEFAULTS
    for k in PATHS[name]:
        d = d[k]
    return copy.deepcopy(d)


def flatten(cfg: dict) -> dict:
    """Nested settings (a config) → flat names; settings ``cfg`` lacks get their default."""
    out = {n: cfg[n] for n in RUN if n in cfg}
    for name, path in PATHS.items():
        d = cfg
        for k in path:
            if not isinstance(d, dict) or k not in d:
                d = default(name)
                break
            d = d[k]
        out[name] = d
    return out


def nest(flat: dict) -> dict:
    """Flat names → nested settings (defaults where ``flat`` lacks a name); run names kept at
    the top, unknown names ignored."""
    out = copy.deepcopy(DEFAULTS)
    for name, v in flat.items():
        if name in RUN:
            out[name] = v
        elif name in PATHS:
            d = out
            *parents, last = PATHS[name]
            for k in parents:
                d = d[k]
            d[last] = v
    return out


def is_flat(p: dict) -> bool:
    """Whether a parameter set uses the flat names (no section holds a mapping)."""
    return not any(isinstance(p.get(s), dict) for s in SECTIONS)


def closest(name: str) -> str:
    return ", ".join(difflib.get_close_matches(name, list(ALL), n=3, cutoff=0.6)) or "—"


def _literal(v) -> str:
    """``v`` as Python source, strings in double quotes (as ruff writes them)."""
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_literal(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(x)}" for k, x in v.items()) + "}"
    return repr(v)


def parameters_cell(stage: str, width: int = 100) -> str:
    """The source of ``stage``'s parameters cell: one commented line per setting (the comment
    above the setting when both do not fit on one line)."""
    lines = ["# Parameters (papermill -p NAME VALUE, or `make report CONFIG=…`, sets them)"]
    for n in stage_names(stage):
        comment = RUN[n][1] if n in RUN else COMMENTS.get(n, "")
        line = f"{n} = {_literal(default(n))}"
        if len(line) + 4 + len(comment) <= width:
            lines.append(f"{line}  # {comment}")
        else:
            lines += [f"# {n}: {comment}", line]
    return "\n".join(lines) + "\n"


def declared(notebook) -> list[str]:
    """The names a notebook's parameters cell (tagged ``parameters``) assigns."""
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    for c in nb.cells:
        if c.cell_type == "code" and "parameters" in c.metadata.get("tags", []):
            return _assigned(c.source)
    return []


def _assigned(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [
        t.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for t in node.targets
        if isinstance(t, ast.Name)
    ]


def injected() -> list[str]:
    """The names papermill injected into this kernel for the running notebook (its
    ``# Parameters`` cell right after the notebook's own parameters cell); [] outside a kernel
    or when nothing was injected (an analyst running the notebook in JupyterLab)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return []
    shell = get_ipython()
    history = (shell.user_ns.get("In") if shell is not None else None) or []
    for src in reversed(history[:-1]):
        if src.startswith("# Parameters\n"):  # papermill's injected cell
            return _assigned(src)
        if src.startswith("# Parameters ("):  # the notebook's own cell: nothing injected
            return []
    return []


def check_names(names, where: str = "parameters") -> list:
    """Problems for ``names`` no stage knows, each with the closest known names."""
    from kequn.data.problems import Problem

    return [
        Problem.of("unknown_parameter", where, name=n, close=closest(n))
        for n in names
        if n not in ALL
    ]


# the types of the settings whose default is None (no default to compare with)
_NULLABLE = {
    "k": (int, ("整数", "whole number")),
    "min_cluster_size": (int, ("整数", "whole number")),
    "margin": ((int, float), ("数字", "number")),
    "as_of": ((str, datetime.date), ("日期 YYYY-MM-DD", "date YYYY-MM-DD")),
    "column_map": ((str, Path), ("文件路径", "file path")),
    "date_format": (str, ("文本", "text")),
    "currency_symbol": (str, ("文本", "text")),
}


def check_values(nested: dict, sections=SECTIONS, where: str = "parameters") -> list:
    """Problems with the values of ``nested`` settings: types, language, and the value rules of
    ``sections`` (``kequn.models.settings_rules``; segment rules are parsed, never run)."""
    from kequn.data.problems import InputError, Problem
    from kequn.run.config import _wrong_types

    problems = [
        Problem.of("setting_type", where, name=n.split(".")[-1], kind_zh=k[0], kind_en=k[1])
        for n, k in _wrong_types(DEFAULTS, nested)
    ]
    flat = flatten(nested)
    for name, (types, kind) in _NULLABLE.items():  # settings whose default is None
        v = flat.get(name)
        if v is not None and (isinstance(v, bool) or not isinstance(v, types)):
            problems.append(
                Problem.of("setting_type", where, name=name, kind_zh=kind[0], kind_en=kind[1])
            )
    if nested.get("lang") not in ("zh", "en"):
        problems.append(Problem.of("bad_lang", where, value=nested.get("lang")))
    from kequn.data.engine import check as check_engine

    problems += check_engine(nested.get("engine"), nested.get("spark_master"), where)
    if problems or not sections:  # the value rules assume the right types
        return problems
    from kequn.models.settings_rules import CHECKS

    for s in sections:
        if s in CHECKS:
            try:
                CHECKS[s](nested[s])
            except InputError as e:
                problems += e.problems
    return problems


def settings(ns: dict, stage: str):
    """A stage notebook's settings (``kequn.data.settings.Settings``: one attribute per config
    section), from the flat names in ``ns`` (the notebook's ``globals()``), checked: unknown
    injected names, wrong types and unusable values raise ``SettingsError`` (shown in
    ``ns['lang']`` by ``problems.tell_in``) before any work."""
    from kequn.data.problems import SettingsError

    names = stage_names(stage)
    nested = nest({n: ns[n] for n in names if n in ns})
    problems = check_names(injected()) + check_values(nested, STAGES[stage])
    if problems:
        raise SettingsError(problems)
    from kequn.data import engine
    from kequn.data.settings import Settings

    engine.use(nested["engine"], nested["spark_master"])  # the stage's queries run there
    return Settings.from_mapping({**{n: v for n, (v, _) in RUN.items()}, **nested})
