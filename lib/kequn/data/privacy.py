"""Pseudonymisation at intake: no name, phone, email or ID number leaves it.

Customer keys are replaced by a keyed hash (SipHash-2-4 with a 16-byte secret salt, as
pandas implements it vectorised), so the same customer gets the same pseudonym in every
run that uses the same salt (segment drift and tier migration need that), and nobody
without the salt can recompute it from a known id. The salt file is created atomically
(a random salt in a temp file, hard-linked into place; whoever links first wins).

Personal data typed into any text or category (a phone number as a city, an e-mail in a
feedback text, an ID number as an occupation) is masked by one compiled pattern: mobile
and landline numbers, e-mail addresses, 15- and 18-digit ID numbers (GB 11643 checksum),
QQ and WeChat ids where labelled. Full-width characters (``１３９…``, ``＠``) are matched
as their ASCII twins, and spaces or dashes inside numbers are allowed.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

from kequn.data.coerce import STR
from kequn.data.problems import InputError, Problem

# Full-width ASCII (U+FF01-FF5E) and the ideographic space, matched as ASCII. The mapping is
# one character to one character, so match positions in the normalised text are positions in
# the original: masks are spliced into the original, which otherwise stays as it was.
_HALF = {**{c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}, 0x3000: 0x20}
_SEP = r"[-\s]?"  # one space or dash between any two digits: 138 1234 5678, 110101-1990…
_PII = re.compile(
    r"(?P<email>[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)"
    rf"|(?<![0-9A-Za-z])(?P<id18>[1-9](?:{_SEP}[0-9]){{16}}{_SEP}[0-9Xx])(?![0-9A-Za-z])"
    rf"|(?<![0-9A-Za-z])(?P<id15>[1-9](?:{_SEP}[0-9]){{14}})(?![0-9A-Za-z])"
    rf"|(?<![0-9A-Za-z+])(?P<phone>(?:(?:\+|00)86{_SEP})?1{_SEP}[3-9](?:{_SEP}[0-9]){{9}})(?![0-9])"
    r"|(?<![0-9A-Za-z])(?P<tel>(?:(?:\+|00)86[-\s]?)?(?:\(0[1-9][0-9]{1,2}\)|0[1-9][0-9]{1,2})"
    r"[-\s]?[0-9]{3,4}[-\s]?[0-9]{4})(?![0-9])"
    r"|(?i:(?<![A-Za-z])(?:qq|扣扣)\s*(?:号码|号)?\s*[:=]?\s*)"
    r"(?P<qq>[1-9][0-9]{4,11})(?![0-9])"
    r"|(?i:(?:(?:微信|威信)\s*(?:号码|号)?\s*[:=]?"
    r"|(?<![A-Za-z])(?:wechat|weixin|wx|vx)\s*(?:id|号)?\s*[:=])\s*)"
    r"(?P<wechat>[A-Za-z][-_A-Za-z0-9]{5,19})(?![-_A-Za-z0-9])"
)
# Cheap pre-filter run in Arrow's C++ regex engine (RE2): only values that hold a digit, an @ or
# a WeChat label can hold personal data, so the Python pattern never sees the rest.
_MAYBE = r"(?i)[0-9０-９@＠]|微信|威信|wechat|weixin|ｗｘ|wx|vx"
# In examples of bad values (messages, quality.json) any long run of digits is masked too:
# an ID number with a wrong checksum is still somebody's ID number.
_LONG_DIGITS = re.compile(r"(?<![0-9])[0-9](?: ?[0-9]){10,}(?![0-9])")
MASKS = {
    "email": "[email]",
    "id18": "[id]",
    "id15": "[id]",
    "phone": "[phone]",
    "tel": "[phone]",
    "qq": "[qq]",
    "wechat": "[wechat]",
}
_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # GB 11643-1999


def _digits(text: str) -> str:
    return re.sub(r"[-\s]", "", text).upper()


def _plausible_date(y: int, m: int, d: int) -> bool:
    return 1 <= m <= 12 and 1 <= d <= 31 and 1900 <= y <= 2100


def id_checksum_ok(number: str) -> bool:
    """True for an 18-character Chinese ID number whose last character is its GB 11643
    check character (``10X98765432`` indexed by the weighted digit sum mod 11)."""
    n = _digits(number)
    if len(n) != 18 or not n[:17].isdigit():
        return False
    return "10X98765432"[sum(int(c) * w for c, w in zip(n[:17], _W)) % 11] == n[17]


def _is_id(kind: str, number: str, loose: bool) -> bool:
    n = _digits(number)
    if kind == "id15":
        return _plausible_date(1900 + int(n[6:8]), int(n[8:10]), int(n[10:12]))
    date_ok = _plausible_date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    return date_ok and (loose or id_checksum_ok(n))


def mask_text(text: str, loose: bool = False) -> str:
    """``text`` with every detected phone, e-mail, ID number and labelled QQ/WeChat id
    replaced by ``[phone]``, ``[email]``, ``[id]``, ``[qq]``, ``[wechat]``.

    Parameters
    ----------
    text : str
    loose : bool
        Also mask 18-digit ID numbers with a wrong checksum and any run of 11 or more digits
        (for examples of bad values, which are shown, not analysed; dates stay readable).
    """
    norm = text.translate(_HALF)
    out, last = [], 0
    for m in _PII.finditer(norm):
        kind = m.lastgroup
        if kind in ("id18", "id15") and not _is_id(kind, m.group(kind), loose):
            continue
        start, end = m.span(kind)
        out += [text[last:start], MASKS[kind]]
        last = end
    masked = "".join(out) + text[last:] if out else text
    if loose:
        norm = masked.translate(_HALF)
        spans = [m.span() for m in _LONG_DIGITS.finditer(norm)]
        for start, end in reversed(spans):
            masked = masked[:start] + "[number]" + masked[end:]
    return masked


def mask_examples(values) -> list[str]:
    """Examples of bad values as shown in messages and stored in quality.json: as strings,
    personal data masked (loosely: long digit runs too)."""
    return [mask_text(str(v), loose=True) for v in values]


def mask_series(s: pd.Series) -> tuple[pd.Series, int]:
    """A text or categorical column with personal data masked, and how many rows changed.

    Categoricals are masked in their categories (a few hundred values behind millions of
    rows); text is pre-filtered in Arrow (values without a digit, ``@`` or WeChat label are
    skipped) and each distinct candidate value is masked once.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = s.cat.categories
        masked = np.array([mask_text(str(c)) for c in cats], dtype=object)
        changed = masked != np.asarray(cats.astype(str), dtype=object)
        if not changed.any():
            return s, 0
        codes = s.cat.codes.to_numpy()
        n = int(np.isin(codes, np.flatnonzero(changed)).sum())
        new_codes, uniques = pd.factorize(masked)
        codes = np.where(codes >= 0, new_codes[np.maximum(codes, 0)], -1)
        return pd.Series(pd.Categorical.from_codes(codes, uniques), index=s.index, name=s.name), n
    text = s.astype(STR)
    maybe = pc.match_substring_regex(pa.array(text.array), _MAYBE)
    pos = np.flatnonzero(pc.fill_null(maybe, False).to_numpy(zero_copy_only=False))
    if not len(pos):
        return s, 0
    cand = text.iloc[pos]
    codes, uniques = pd.factorize(cand)
    masked = np.array([mask_text(u) for u in uniques], dtype=object)
    changed = masked != np.asarray(uniques, dtype=object)
    if not changed.any():
        return s, 0
    hit = changed[codes]
    out = text.copy()
    out.iloc[pos[hit]] = masked[codes[hit]]
    return out, int(hit.sum())


def mask_columns(tables: dict[str, pd.DataFrame], log) -> None:
    """Mask personal data in every text and categorical column of every table (not ids,
    dates or numbers), in place of the dict; each masked column is a cleaning rule row
    ``contact_details_masked`` of ``log`` (``log.clean(table, rule, rows, column=...)``)."""
    from kequn.data import schema

    for name, df in tables.items():
        kinds = {c.name: c.kind for c in schema.CONTRACT.get(name, [])}
        cols = [c for c in df.columns if kinds.get(c) in ("text", "enum")]
        changed = {}
        for col in cols:
            out, n = mask_series(df[col])
            if n:
                changed[col] = out
                log.clean(name, "contact_details_masked", n, column=col)
        if changed:
            df = df.copy(deep=False)  # replace whole columns, never copy a large table
            for col, out in changed.items():
                df[col] = out
            tables[name] = df


def scrub_text(s: pd.Series) -> tuple[pd.Series, int]:
    """Text with phones, e-mails, ID numbers and labelled QQ/WeChat ids masked; returns also
    how many texts changed."""
    out, n = mask_series(s)
    return out.astype(STR), n


def _salt_problem(key: str, where: str) -> InputError:
    return InputError([Problem.of(key, where)])


def _derive(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def load_salt(salt: str | None = None, salt_file: str | Path | None = None) -> str:
    """The 16-character salt: derived from ``salt`` text, else read from ``salt_file``.

    A missing salt file is created atomically with a random salt (written to a temp file of
    a unique name and hard-linked into place; when another process links first, its salt is
    the one read). An empty or blank salt text or file is an ``InputError``: a salt derived
    from nothing is public, and pseudonyms could be reversed by anyone.
    """
    if salt is not None:
        if not str(salt).strip():
            raise _salt_problem("salt_empty", "config: privacy.salt")
        return _derive(str(salt))
    if salt_file is None:
        raise ValueError("a salt or a salt file is needed to pseudonymise ids")
    p = Path(salt_file)
    if not p.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(f".{p.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(16))
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, p)  # atomic: the file appears complete or not at all
            except FileExistsError:
                pass  # another run created it first: use theirs
        finally:
            tmp.unlink(missing_ok=True)
    text = p.read_text(encoding="utf-8").strip()
    if not text:
        raise _salt_problem("salt_file_empty", str(p))
    return _derive(text)


def pseudonymize(ids: pd.Series, salt: str) -> pd.Series:
    """Stable pseudonyms 'K' + 16 hex digits; missing stays missing.

    Hashes each distinct id once (a million customers behind thirty million events cost a
    million hashes, not thirty million).
    """
    codes, uniques = pd.factorize(ids.astype(STR))
    h = pd.util.hash_pandas_object(pd.Series(uniques.astype(object)), index=False, hash_key=salt)
    names = np.array(["K" + format(v, "016x") for v in h.to_numpy()], dtype=object)
    out = np.where(codes >= 0, names[np.maximum(codes, 0)] if len(names) else None, None)
    return pd.Series(out, index=ids.index, dtype=STR)
