"""Command line used by the Makefile: ``python -m kequn.cli <command>``.

- ``params``: write a run's papermill parameters (YAML) from the config file.
- ``intake``: run intake; user mistakes print a clear message and exit 2, no traceback.
- ``stage``: execute one stage notebook with papermill on the ``kequn`` kernel, atomically.
- ``run``: execute a run's stale stage notebooks on one kernel, render each, write the index.
- ``publish``: write the run's index page, move ``reports/latest``, list all runs.
- ``latest``: point ``reports/latest`` at a finished run (``make report`` with nothing to redo).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from .problems import InputError

def _params(a) -> int:
    from .config import load_config, stage_params
    cfg = load_config(a.config)
    a.lang = cfg["lang"]
    from . import stage_clustering, stage_feedback, stage_needs, stage_value  # every stage's settings, before any work
    stage_clustering.settings_check(cfg["clustering"])
    stage_value.settings_check(cfg["value"])
    stage_needs.settings_check(cfg["needs"])
    stage_feedback.settings_check(cfg["feedback"])
    p = stage_params(cfg, a.data, a.processed, a.run)
    from .io import write_text_atomic
    write_text_atomic(yaml.safe_dump(p, allow_unicode=True, sort_keys=False), a.out)
    return 0


def _intake(a) -> int:
    from .stage_profiling import intake_from_params
    p = yaml.safe_load(Path(a.params).read_text(encoding="utf-8"))
    a.lang = p.get("lang", "en")  # problems are told in the run's report language
    q = intake_from_params(**p)
    cleaned = sum(c["rows"] for c in q["cleaning"] if c["rule"] != "pii_columns_dropped")
    print(f"intake: {', '.join(f'{k} {v:,}' for k, v in q['rows_clean'].items())} rows kept; "
          f"{len(q['cleaning'])} cleaning rules touched {cleaned:,} rows; as of {q['as_of']}")
    return 0


def _stage(a) -> int:
    from .runner import StageFailed, execute
    params = yaml.safe_load(Path(a.params).read_text(encoding="utf-8"))
    try:
        execute(Path(a.notebook), Path(a.output), params)
    except StageFailed as e:
        print(e, file=sys.stderr)
        return 1
    return 0


def _run(a) -> int:
    """The stale stages of a run on one kernel, each rendered as it finishes, then the index."""
    import time
    from .publish import publish_run, render_html
    from .runner import StageFailed, library_mtime, run_stages, stale
    params_file = Path(a.params)
    params = yaml.safe_load(params_file.read_text(encoding="utf-8"))
    out_dir = Path(a.reports) / a.run
    quality = Path(a.processed) / "quality.json"
    inputs = max(params_file.stat().st_mtime, quality.stat().st_mtime, library_mtime())
    todo = stale([Path(n) for n in a.notebooks], out_dir, inputs)
    start = time.monotonic()
    try:
        run_stages(todo, out_dir, params, render=render_html,
                   log=lambda m: print(f"  {time.monotonic() - start:5.1f} s  {m}", flush=True))
    except StageFailed as e:
        print(e, file=sys.stderr)
        return 1
    publish_run(Path(a.reports), a.run, Path(a.processed))
    print(f"  {time.monotonic() - start:5.1f} s  {len(todo)} of {len(a.notebooks)} stages run, reports written")
    return 0


def _publish(a) -> int:
    from .publish import publish_run
    publish_run(Path(a.reports), a.run, Path(a.processed))
    return 0


def _latest(a) -> int:
    from .publish import point_latest
    point_latest(Path(a.reports), a.run)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="kequn")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("params")
    p.add_argument("--config", default="config/default.yaml")
    p.add_argument("--data", required=True)
    p.add_argument("--processed", required=True)
    p.add_argument("--run", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(fn=_params)
    p = sub.add_parser("intake")
    p.add_argument("--params", required=True)
    p.set_defaults(fn=_intake)
    p = sub.add_parser("stage")
    p.add_argument("notebook")
    p.add_argument("output")
    p.add_argument("--params", required=True)
    p.set_defaults(fn=_stage)
    p = sub.add_parser("run")
    p.add_argument("notebooks", nargs="+")
    p.add_argument("--params", required=True)
    p.add_argument("--reports", required=True)
    p.add_argument("--run", required=True)
    p.add_argument("--processed", required=True)
    p.set_defaults(fn=_run)
    p = sub.add_parser("publish")
    p.add_argument("--reports", required=True)
    p.add_argument("--run", required=True)
    p.add_argument("--processed", required=True)
    p.set_defaults(fn=_publish)
    p = sub.add_parser("latest")
    p.add_argument("--reports", required=True)
    p.add_argument("--run", required=True)
    p.set_defaults(fn=_latest)
    a = ap.parse_args(argv)
    try:
        return a.fn(a)
    except InputError as e:
        print(f"kequn {a.cmd}: {e.render(getattr(a, 'lang', 'en'))}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
