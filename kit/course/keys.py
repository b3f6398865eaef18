"""Area keys written as a small expression over a table's columns.

Some cities number an area by two columns: a borough digit and a district
number make ``205`` for district 5 of borough 2. A profile writes that as
``borough_digit * 100 + district``. The expression is read with Python's own
parser but never run by Python: only column names, whole numbers, ``+ - * //
%`` and parentheses are allowed, and each step is computed on the columns here.
"""

from __future__ import annotations

import ast
import operator

import pandas as pd

__all__ = ["ExpressionError", "evaluate_key", "key_columns", "parse_key"]

_OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_ALLOWED = "column names, whole numbers, + - * // % and parentheses"


class ExpressionError(ValueError):
    """A key expression that is not valid, or a column it names that does not hold numbers."""


def parse_key(text: str) -> ast.expr:
    """The expression's tree, after checking it uses only what a key may use.

    Examples
    --------
    >>> sorted(key_columns(parse_key("borough_digit * 100 + district")))
    ['borough_digit', 'district']
    >>> try:
    ...     parse_key("__import__('os')")
    ... except ExpressionError as error:
    ...     print(error)
    a key expression may use only column names, whole numbers, + - * // % and parentheses; not a call
    """
    try:
        tree = ast.parse(str(text).strip(), mode="eval").body
    except SyntaxError:
        raise ExpressionError(f"{text!r} is not an expression; it may use {_ALLOWED}") from None
    for node in ast.walk(tree):
        allowed = isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Name, ast.Load, ast.USub, *_OPERATORS))
        if isinstance(node, ast.Constant):
            allowed = isinstance(node.value, int) and not isinstance(node.value, bool)
        if not allowed:
            what = "a call" if isinstance(node, ast.Call) else type(node).__name__.lower()
            raise ExpressionError(f"a key expression may use only {_ALLOWED}; not {what}")
    return tree


def key_columns(tree: ast.expr) -> set[str]:
    """The column names an expression reads."""
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def evaluate_key(text: str, frame: pd.DataFrame) -> pd.Series:
    """The key of each row as text (``"205"``); missing where a column it reads is empty.

    Raises
    ------
    ExpressionError
        If a column is not in ``frame`` or holds something that is not a whole number.

    Examples
    --------
    >>> frame = pd.DataFrame({"borough_digit": ["2", "1"], "district": ["05", ""]})
    >>> evaluate_key("borough_digit * 100 + district", frame).tolist()
    ['205', nan]
    """
    tree = parse_key(text)
    missing = sorted(key_columns(tree) - set(frame.columns))
    if missing:
        raise ExpressionError(f"no column {missing[0]!r}; columns: {', '.join(map(str, frame.columns))}")
    value = _evaluate(tree, frame)
    if not isinstance(value, pd.Series):
        raise ExpressionError(f"{text!r} names no column, so every area would get the same key")
    return value.astype("Int64").astype("str")


def _evaluate(node: ast.expr, frame: pd.DataFrame):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return _numbers(frame[node.id], node.id)
    if isinstance(node, ast.UnaryOp):
        return -_evaluate(node.operand, frame)
    return _OPERATORS[type(node.op)](_evaluate(node.left, frame), _evaluate(node.right, frame))


def _numbers(values: pd.Series, name: str) -> pd.Series:
    text = values.astype("string").str.strip().replace("", pd.NA)
    number = pd.to_numeric(text, errors="coerce")
    bad = text.notna() & (number.isna() | (number != number.round()))
    if bad.any():
        raise ExpressionError(f"column {name!r} holds {text[bad].iloc[0]!r}, not a whole number")
    return number.astype("Int64")
