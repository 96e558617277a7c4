"""Pseudonymisation at intake: no name, phone, email or ID number leaves it.

Customer keys are replaced by a keyed hash (SipHash-2-4 with a 16-byte secret salt, as
pandas implements it vectorised), so the same customer gets the same pseudonym in every
run that uses the same salt (segment drift and tier migration need that), and nobody
without the salt can recompute it from a known id. Free text is scrubbed of phone
numbers, e-mail addresses and ID-card numbers a customer may have typed.
"""
from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

import numpy as np
import pandas as pd

from .coerce import STR

_PHONE = r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)"
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_ID_CARD = r"(?<!\d)\d{17}[\dXx](?!\d)"


def load_salt(salt: str | None = None, salt_file: str | Path | None = None) -> str:
    """The 16-character salt: derived from ``salt`` text, else read from ``salt_file``
    (created with a random salt if absent; keep it to keep pseudonyms stable)."""
    if salt:
        return hashlib.sha256(str(salt).encode("utf-8")).hexdigest()[:16]
    if salt_file is None:
        raise ValueError("a salt or a salt file is needed to pseudonymise ids")
    p = Path(salt_file)
    if not p.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(8))
    return hashlib.sha256(p.read_text().strip().encode("utf-8")).hexdigest()[:16]


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


def scrub_text(s: pd.Series) -> tuple[pd.Series, int]:
    """Text with phones, e-mails and ID numbers masked; returns also how many texts changed."""
    s = s.astype(object)  # Python's re: the patterns need look-behind, which RE2 (Arrow) lacks
    out = (s.str.replace(_EMAIL, "[email]", regex=True)
             .str.replace(_ID_CARD, "[id]", regex=True)
             .str.replace(_PHONE, "[phone]", regex=True))
    changed = int((out.fillna("") != s.fillna("")).sum())
    return out.astype(STR), changed
