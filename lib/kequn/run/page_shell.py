"""The HTML every stakeholder page shares: its styles and its Content-Security-Policy.

Every page carries a Content-Security-Policy (``with_csp``): its own inline scripts by sha256
hash, inline styles and ``data:`` images, nothing else and nothing from the network; so even a
value that slipped past escaping could not run. The standard library only, so that pointing
``latest`` at a run (``kequn.run.latest``) needs neither pandas nor nbconvert.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re

CSS = """
<style>
body { max-width: 1100px; margin: 0 auto; padding: 0 12px;
  font-family: -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; }
.kq-table { overflow-x: auto; max-height: 520px; overflow-y: auto; margin: 6px 0 14px; }
.kq-table table, table.kq-facts { border-collapse: collapse; font-size: 13px; }
.kq-table th, .kq-table td, .kq-facts th, .kq-facts td { padding: 4px 10px; border-bottom: 1px solid #e3e3e3; text-align: right; }
.kq-table th:first-child, .kq-table td:first-child, .kq-facts th { text-align: left; }
.jp-RenderedHTMLCommon table.kq-facts th:first-child, table.kq-facts.inputs td,
.jp-RenderedHTMLCommon table.kq-facts.inputs td { text-align: left; vertical-align: baseline; }
.kq-table thead th { position: sticky; top: 0; background: #f6f8f9; }
img { max-width: 100%; height: auto; }
.kq-caveats { border-left: 4px solid #d9a400; background: #fffbea; padding: 6px 12px; margin: 8px 0 14px; font-size: 14px; }
.kq-caveats ul { margin: 4px 0; padding-left: 1.4em; }
.jp-OutputArea-output pre { white-space: pre-wrap; }
@media (max-width: 600px) { .jp-RenderedImage { overflow-x: auto; } img.kq-wide { max-width: none; }
  body { padding: 0 4px; } .kq-table table { font-size: 12px; } .kq-table th, .kq-table td { min-width: 4.5em; } }
</style>
"""


CARD_CSS = (
    ".card{border:1px solid #ddd;border-radius:8px;padding:10px 14px;margin:10px 0}"
    ".card h3{margin:4px 0 6px} table.kq-facts.plan th{white-space:nowrap;vertical-align:top;text-align:left}"
    "table.kq-facts.plan td{text-align:left;vertical-align:top} table.kq-facts.plan td.why{color:#555;font-size:12px;"
    "max-width:18em} @media (max-width:600px){table.kq-facts.plan th, table.kq-facts.plan td, table.kq-facts.plan td.why{display:block;"
    "max-width:none;border:0;padding:2px 4px} table.kq-facts.plan tr{display:block;border-bottom:1px solid #e3e3e3;"
    "padding:4px 0}}"
    ".seg-id{color:#888;font-size:12px;font-weight:normal;margin-left:6px}"
    "p.terms{color:#555;font-size:12px} #priorities ol{padding-left:1.4em} #priorities li{margin:6px 0}"
    "img.kq-overview{display:block;max-width:100%;height:auto;margin:8px 0}"
)


_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)


def csp(page: str) -> str:
    """The page's Content-Security-Policy: no network, inline styles, ``data:`` images, and
    only the inline scripts the page holds now (sha256 of each)."""
    digests = {
        hashlib.sha256(body.encode("utf-8")).digest()
        for attrs, body in _SCRIPT.findall(page)
        if "src=" not in attrs.lower()
    }
    scripts = (
        " ".join(sorted(f"'sha256-{base64.b64encode(d).decode()}'" for d in digests)) or "'none'"
    )
    return (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src {scripts}; base-uri 'none'; form-action 'none'"
    )


def with_csp(page: str) -> str:
    """``page`` with its Content-Security-Policy as the first element of ``<head>``; call it
    last, once every script is in place."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{csp(page)}">'
    return re.sub(r"<head\b[^>]*>", lambda m: m.group(0) + meta, page, count=1)


def html_page(title: str, body: str, lang: str) -> str:
    """A whole page around ``body``: language, viewport, title, the shared styles."""
    return (
        f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
        f"{CSS}<style>{CARD_CSS}</style></head><body>{body}</body></html>"
    )


def page(title: str, body: str, lang: str) -> str:
    """``html_page`` with its Content-Security-Policy."""
    return with_csp(html_page(title, body, lang))
