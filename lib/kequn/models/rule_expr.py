"""Segment rules as data, never as code: a small whitelist parser and a vectorised evaluator.

A rule is one expression over the feature table's columns, e.g.
``monetary >= 3000 and recency_days <= 90`` or ``city_tier in ["一线", "新一线"]``. It is read
with Python's ``ast`` module and only these constructs are accepted: column names, numbers,
strings, comparisons (chained too), ``and`` / ``or`` / ``not``, ``in`` / ``not in`` with a
list or tuple of constants, arithmetic (``+ - * / // % **``, unary ``-``) and parentheses.
Anything else (calls, attributes, indexing, ``@`` variables, lambdas, …) is refused with its
position, before a single row is evaluated. Evaluation works on whole columns with pandas;
a comparison with a missing value is False.
"""

from __future__ import annotations

import ast
import operator

import numpy as np
import pandas as pd

MAX_LENGTH = 2000  # characters; a rule is a line a person writes

_ARITH = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_CMP = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


class RuleError(ValueError):
    """A rule that cannot be used: ``kind`` is ``syntax``, ``forbidden`` or ``column``;
    ``pos`` the 1-based character position; ``what`` the offending text or column name."""

    def __init__(self, kind: str, pos: int, what: str):
        self.kind, self.pos, self.what = kind, max(int(pos), 1), what
        super().__init__(f"{kind} at character {self.pos}: {what}")


def _one_line(expr) -> str:
    return " ".join(str(expr).splitlines())


def _pos(expr: str, node: ast.AST) -> int:
    """1-based character position of ``node`` (ast counts UTF-8 bytes)."""
    return len(expr.encode("utf-8")[: node.col_offset].decode("utf-8", errors="ignore")) + 1


def _snippet(expr: str, node: ast.AST) -> str:
    seg = ast.get_source_segment(expr, node) or type(node).__name__
    return seg if len(seg) <= 40 else seg[:39] + "…"


def _constant(node: ast.AST) -> bool:
    """A number or string literal, or a negated number."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
        return isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str))


def _check(expr: str, node: ast.AST, names: list) -> None:
    def refuse(n):
        raise RuleError("forbidden", _pos(expr, n), _snippet(expr, n))

    if isinstance(node, ast.Name):
        names.append((node.id, _pos(expr, node)))
    elif isinstance(node, ast.Constant):
        if not isinstance(node.value, (int, float, str)):  # bool is an int; None, bytes are not
            refuse(node)
    elif isinstance(node, ast.BoolOp):
        for v in node.values:
            _check(expr, v, names)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.Not, ast.USub, ast.UAdd)):
            refuse(node)
        _check(expr, node.operand, names)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _ARITH:
            refuse(node)
        for side in (node.left, node.right):
            if isinstance(side, ast.Constant) and isinstance(side.value, str):
                refuse(node)  # no "x" * 10**9
            _check(expr, side, names)
    elif isinstance(node, ast.Compare):
        _check(expr, node.left, names)
        for op, right in zip(node.ops, node.comparators):
            if isinstance(op, (ast.In, ast.NotIn)):
                if not isinstance(right, (ast.List, ast.Tuple)):
                    refuse(right)
                for elt in right.elts:
                    if not _constant(elt):
                        refuse(elt)
            elif type(op) in _CMP:
                _check(expr, right, names)
            else:  # is, is not
                refuse(node)
    else:
        refuse(node)


def parse(expr) -> tuple[ast.Expression, list[tuple[str, int]]]:
    """The checked syntax tree of ``expr`` and the column names it uses with their
    positions; raises ``RuleError`` for anything outside the whitelist."""
    text = _one_line(expr)
    if len(text) > MAX_LENGTH:
        raise RuleError("syntax", MAX_LENGTH, f"longer than {MAX_LENGTH} characters")
    lead = len(text) - len(text.lstrip())
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:  # offset 0: the expression ended too early
        at = min(e.offset, len(text.strip()) + 1) if e.offset else len(text.strip()) + 1
        raise RuleError("syntax", lead + at, e.msg) from None
    except (ValueError, RecursionError, MemoryError):  # null bytes, absurd nesting
        raise RuleError("syntax", 1, "unreadable") from None
    names: list = []
    try:
        _check(text.strip(), tree.body, names)
    except RecursionError:
        raise RuleError("syntax", 1, "nested too deeply") from None
    except RuleError as e:
        e.pos += lead
        raise
    return tree, [(n, p + lead) for n, p in names]


def check(expr, known, prefixes: tuple[str, ...] = ()) -> None:
    """Raise ``RuleError`` unless ``expr`` parses and every column it names is in ``known``
    or starts with one of ``prefixes`` (columns whose names depend on the data)."""
    _, names = parse(expr)
    for name, pos in names:
        if name not in known and not (prefixes and name.startswith(prefixes)):
            raise RuleError("column", pos, name)


def _mask(x, n: int) -> np.ndarray:
    """Truth of an operand of and/or/not as a boolean array; missing is False."""
    if isinstance(x, pd.Series):
        if pd.api.types.is_bool_dtype(x):
            return x.fillna(False).to_numpy(dtype=bool)
        if pd.api.types.is_numeric_dtype(x):
            return (x.notna() & (x.fillna(0) != 0)).to_numpy(dtype=bool)
        raise TypeError(f"'{x.name}' is text, not a condition")
    if isinstance(x, np.ndarray):
        return x.astype(bool)
    return np.full(n, bool(x))


def _missing(x):
    return x.isna() if isinstance(x, pd.Series) else pd.isna(x)


def _compare(op, left, right, n: int) -> np.ndarray:
    out = op(left, right)
    if isinstance(out, pd.Series):
        out = out.astype("boolean").fillna(False).to_numpy(dtype=bool)
    else:
        out = np.full(n, bool(out))
    for side in (left, right):  # missing compares False, for != too
        miss = _missing(side)
        if isinstance(miss, pd.Series):
            out &= ~miss.to_numpy(dtype=bool)
        elif miss:
            out[:] = False
    return out


def _literal(node: ast.AST):
    if isinstance(node, ast.UnaryOp):
        v = _literal(node.operand)
        return -v if isinstance(node.op, ast.USub) else v
    v = node.value
    return np.float64(v) if isinstance(v, (int, float)) else v  # 10 ** 10 ** 10: inf, no huge int


def _eval(node: ast.AST, df: pd.DataFrame):
    n = len(df)
    if isinstance(node, ast.Name):
        return df[node.id]
    if isinstance(node, ast.Constant):
        return _literal(node)
    if isinstance(node, ast.BoolOp):
        masks = [_mask(_eval(v, df), n) for v in node.values]
        both = isinstance(node.op, ast.And)
        return np.logical_and.reduce(masks) if both else np.logical_or.reduce(masks)
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, df)
        if isinstance(node.op, ast.Not):
            return ~_mask(v, n)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp):
        with np.errstate(all="ignore"):
            return _ARITH[type(node.op)](_eval(node.left, df), _eval(node.right, df))
    if isinstance(node, ast.Compare):
        out = np.ones(n, bool)
        left = _eval(node.left, df)
        for op, right_node in zip(node.ops, node.comparators):
            if isinstance(op, (ast.In, ast.NotIn)):
                values = [_literal(e) for e in right_node.elts]
                col = left if isinstance(left, pd.Series) else pd.Series([left] * n, index=df.index)
                hit = col.isin(values).to_numpy(dtype=bool)
                out &= (hit if isinstance(op, ast.In) else ~hit) & ~col.isna().to_numpy(dtype=bool)
                continue
            right = _eval(right_node, df)
            out &= _compare(_CMP[type(op)], left, right, n)
            left = right
        return out
    raise RuleError("forbidden", 1, type(node).__name__)  # parse() lets nothing else through


def evaluate(expr, df: pd.DataFrame) -> np.ndarray:
    """Boolean array: the rows of ``df`` that ``expr`` selects (checked with ``parse``;
    names not in ``df`` raise ``RuleError`` of kind ``column``)."""
    tree, names = parse(expr)
    for name, pos in names:
        if name not in df.columns:
            raise RuleError("column", pos, name)
    return _mask(_eval(tree.body, df), len(df))
