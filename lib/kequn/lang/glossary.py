"""The glossary (术语表): every term the pages use with ONE definition in Chinese and English
and the ONE function that computes it (``glossary.yaml`` beside this module).

``term(key, lang)`` is the word a page shows, ``definition(key, lang, **basis)`` its definition
with the run's settings filled in (``basis``: e.g. ``risk_days=90``, ``months=12``), ``terms()``
the keys in glossary order, ``lifecycle_words()`` the words reserved for lifecycle stages (a rule
segment may not be named with one, ``segment_rules.check_rules``) and ``html(lang, **basis)``
the glossary section of the summary page. ``methods()`` are the methods and measures the stage
pages name (区分度 / AUC, 存续概率 / P(alive) …): a Chinese page says the Chinese name only, and
the glossary gives the English term beside it.
"""

from __future__ import annotations

import functools
import html as _html
from functools import cache
from importlib import import_module
from pathlib import Path

import yaml

PATH = Path(__file__).with_name("glossary.yaml")


@cache
def _file() -> dict:
    return yaml.safe_load(PATH.read_text(encoding="utf-8"))


def load() -> dict:
    """Term key → entry (zh, en, function, basis, signatures, definition {zh, en}, lifecycle)."""
    return _file()["terms"]


def methods() -> dict:
    """Method key → entry (zh: the name a zh page uses, en: the English term, definition)."""
    return _file()["methods"]


def terms() -> list[str]:
    return list(load())


def term(key: str, lang: str = "zh") -> str:
    """The word the pages use for ``key`` in ``lang`` (zh or en)."""
    return load()[key]["zh" if lang == "zh" else "en"]


def definition(key: str, lang: str = "zh", **basis) -> str:
    """The one definition of ``key``, with ``basis`` (settings of the run) over the defaults."""
    e = load()[key]
    return e["definition"]["zh" if lang == "zh" else "en"].format(**{**e["basis"], **basis})


def function(key: str):
    """The function that computes ``key`` (imported from its dotted name)."""
    module, name = load()[key]["function"].rsplit(".", 1)
    return getattr(import_module(module), name)


def lifecycle_words() -> dict[str, str]:
    """Every word of a lifecycle stage, Chinese and English, lower-cased → its term key."""
    import re

    out = {}
    for k, e in load().items():
        if e.get("lifecycle"):
            words = [e["zh"], *re.split(r"\s*[()（）]\s*", e["en"]), *e.get("words", [])]
            out.update({w.lower(): k for w in words if w.strip()})
    return out


def lifecycle_word_in(name: str) -> tuple[str, str] | None:
    """(the lifecycle word, its term key) when the rule segment ``name`` uses one, else None.
    Chinese words match anywhere in the name (沉睡客户 holds 沉睡), English ones as words."""
    import re

    low = str(name).lower()
    for word, key in sorted(lifecycle_words().items(), key=lambda w: -len(w[0])):
        if word.isascii():
            if re.search(rf"\b{re.escape(word)}\b", low):
                return word, key
        elif word in low:
            return word, key
        elif len(word) > 3 and word.removesuffix("客户") in low:
            return word.removesuffix("客户"), key
    return None


def basis_from_settings(value: dict | None = None, margin_source: str | None = None) -> dict:
    """The placeholders of the definitions from the run's ``value`` settings (and where the
    margin came from: "revenue" makes CLV a revenue figure)."""
    v = value or {}
    lc = v.get("lifecycle") or {}
    out = {
        k: lc[k] for k in ("new_days", "sleeping_after", "churned_after", "risk_days") if k in lc
    }
    out.update({k: lc[k] for k in ("churn_p_alive",) if k in lc})
    if v.get("horizon_months"):
        out["months"] = v["horizon_months"]
    if margin_source == "revenue":
        out.update(measure_zh="收入", measure_en="revenue")
    return out


def table(lang: str = "zh", **basis) -> list[tuple[str, str, str]]:
    """(term, definition, function) per term, in glossary order."""
    return [(term(k, lang), definition(k, lang, **basis), load()[k]["function"]) for k in terms()]


def _english(name: str, lang: str) -> str:
    """In a zh page, the English term beside a Chinese name, marked as English."""
    return f" <span lang='en'>{_html.escape(name)}</span>" if lang == "zh" else ""


def html(lang: str = "zh", **basis) -> str:
    """The glossary as HTML definition lists: the terms (id ``glossary``, one anchor per term,
    with the function that computes it) and the methods the stage pages name (id
    ``glossary-methods``); in a zh page each Chinese name has its English term beside it."""
    rows = "".join(
        f"<dt id='term-{k}'>{_html.escape(term(k, lang))}"
        f"{_english(load()[k]['en'], lang)}</dt>"
        f"<dd>{_html.escape(definition(k, lang, **basis))} "
        f"<code>{_html.escape(load()[k]['function'])}</code></dd>"
        for k in terms()
    )
    side = "zh" if lang == "zh" else "en"
    named = "".join(
        f"<dt id='method-{k}'>{_html.escape(m[side])}{_english(m['en'], lang)}</dt>"
        f"<dd>{_html.escape(m['definition'][side])}</dd>"
        for k, m in methods().items()
    )
    from kequn.lang.i18n import t

    return (
        f"<dl id='glossary' class='kq-glossary'>{rows}</dl>"
        f"<p>{_html.escape(t('glossary.methods', lang))}</p>"
        f"<dl id='glossary-methods' class='kq-glossary'>{named}</dl>"
    )


def _settings(folder: Path) -> dict:
    p = Path(folder) / "params.yaml"
    return (yaml.safe_load(p.read_text(encoding="utf-8")) or {}) if p.exists() else {}


@functools.lru_cache(maxsize=1)
def _defaults() -> dict:
    """The package's one file of defaults (``kequn/run/defaults.yaml``, what ``run.params``
    reads), read as a file: the catalogue layer imports no code above it."""
    from importlib import resources

    return yaml.safe_load(resources.files("kequn.run").joinpath("defaults.yaml").read_text("utf-8"))


def settings_basis(folder=None) -> dict[str, int]:
    """The settings a run's figures are stated on, from its ``params.yaml`` (the defaults where
    it says nothing, or without ``folder``): ``clv_months`` (the CLV horizon), ``risk_days``
    (risk of no purchase), ``reply_hours`` and ``resolve_hours`` (a complaint's first response
    and resolution). Catalogue texts take them as placeholders: ``t(key).format(**basis)``."""
    s = _settings(Path(folder)) if folder is not None else {}
    v, fb = s.get("value") or {}, s.get("feedback") or {}
    defaults = _defaults()
    dv, dfb = defaults["value"], defaults["feedback"]
    return {
        "clv_months": v.get("horizon_months", dv["horizon_months"]),
        "risk_days": (v.get("lifecycle") or {}).get("risk_days", dv["lifecycle"]["risk_days"]),
        "reply_hours": fb.get("response_sla_hours", dfb["response_sla_hours"]),
        "resolve_hours": fb.get("resolution_sla_hours", dfb["resolution_sla_hours"]),
    }


def headline_basis(folder, lang: str = "zh") -> dict[str, str]:
    """Headline key → the basis it is stated on (horizon, revenue or margin, over buyers or
    all, SLA hours), from the run's settings (``params.yaml``) and stage 03's margin source."""
    import json

    from kequn.lang.i18n import t

    folder = Path(folder)
    b = settings_basis(folder)
    p = folder / "value.json"
    src = json.loads(p.read_text(encoding="utf-8")).get("margin_source") if p.exists() else None
    measure = t(f"hb.measure.{'revenue' if src == 'revenue' else 'margin'}", lang)
    args = {
        "active_90d": {"days": 90},
        "clv_mean": {"months": b["clv_months"], "measure": measure},
        "sla_share": {"hours": b["resolve_hours"]},
    }
    keys = ("customers", "active_90d", "revenue", "top20_share", "clv_mean", "nps", "sla_share")
    return {k: t(f"hb.{k}", lang).format(**args.get(k, {})) for k in keys}


def run_basis(folder) -> dict:
    """The definitions' placeholders for a run (its ``params.yaml`` and stage 03's margin)."""
    import json

    folder = Path(folder)
    p = folder / "value.json"
    src = json.loads(p.read_text(encoding="utf-8")).get("margin_source") if p.exists() else None
    return basis_from_settings(_settings(folder).get("value"), src)
