"""SoQL's grammar and its compiler to SQLite expressions, with every value bound.

:mod:`kit.data.soql` runs queries; this module only turns one SoQL clause
(``$select``, ``$where``, ``$group``, ``$having`` or ``$order``) into SQL text
with ``?`` placeholders and the values that fill them, checking column names
and types on the way. A value in a query is never pasted into SQL text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedEOF, UnexpectedInput, VisitError

from kit.errors import QueryError

__all__ = ["Expr", "Scope", "compile_clause", "date_text", "quote_name"]

MALFORMED = "query.compiler.malformed"
NO_SUCH_COLUMN = "query.soql.no-such-column"
NO_SUCH_FUNCTION = "query.soql.no-such-function"
TYPE_MISMATCH = "query.soql.type-mismatch"

GRAMMAR = r"""
select_list: DISTINCT? select_item ("," select_item)*
select_item: "*"                    -> star
           | expr (_AS name)?       -> item
expr_list: expr ("," expr)*
order_list: order_item ("," order_item)*
order_item: expr DIRECTION? (_NULL PLACE | _NULLS PLACE)?

?expr: or_expr
?or_expr: and_expr | or_expr _OR and_expr          -> or_
?and_expr: not_expr | and_expr _AND not_expr       -> and_
?not_expr: predicate | _NOT not_expr               -> not_
?predicate: sum
          | sum COMPARE sum                        -> compare
          | sum _IS _NULL                          -> is_null
          | sum _IS _NOT _NULL                     -> is_not_null
          | sum _LIKE sum                          -> like
          | sum _NOT _LIKE sum                     -> not_like
          | sum _BETWEEN sum _AND sum              -> between
          | sum _NOT _BETWEEN sum _AND sum         -> not_between
          | sum _IN "(" expr_list ")"              -> in_
          | sum _NOT _IN "(" expr_list ")"         -> not_in
?sum: product
    | sum "+" product                              -> add
    | sum "-" product                              -> sub
    | sum "||" product                             -> concat
?product: unary
        | product "*" unary                        -> mul
        | product "/" unary                        -> div
        | product "%" unary                        -> mod
?unary: atom | "-" unary                           -> neg
?atom: NUMBER                                      -> number
     | STRING                                      -> string
     | _TRUE                                       -> true
     | _FALSE                                      -> false
     | _NULL                                       -> null
     | name                                        -> column
     | name "(" "*" ")"                            -> call_star
     | name "(" [expr_list] ")"                    -> call
     | "(" expr ")"
name: NAME | QUOTED

DISTINCT: "distinct"i
DIRECTION: "asc"i | "desc"i
PLACE: "first"i | "last"i
_AS: "as"i
_AND: "and"i
_OR: "or"i
_NOT: "not"i
_IS: "is"i
_NULL: "null"i
_NULLS: "nulls"i
_LIKE: "like"i
_BETWEEN: "between"i
_IN: "in"i
_TRUE: "true"i
_FALSE: "false"i
COMPARE: /!=|<>|<=|>=|==|=|<|>/
NAME: /:?@?[a-z_][a-z0-9_]*/i
QUOTED: /`[^`]+`/
STRING: /'(?:[^']|'')*'|"(?:[^"]|"")*"/
NUMBER: /(\d+(\.\d*)?|\.\d+)([e][+-]?\d+)?/i
%ignore /\s+/
"""

_PARSER = Lark(GRAMMAR, parser="lalr", start=["select_list", "expr", "expr_list", "order_list"])
_CLAUSE_RULES = {"$select": "select_list", "$where": "expr", "$having": "expr", "$group": "expr_list"}
_CLAUSE_RULES["$order"] = "order_list"
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?Z?$")
_COMPARABLE = {"text", "url", "number", "calendar_date", "checkbox"}


def quote_name(name: str) -> str:
    """A SQL identifier for ``name``: double-quoted, inner quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def date_text(value: str) -> str | None:
    """The stored form of a floating timestamp, ``YYYY-MM-DDTHH:MM:SS.fff``; ``None`` if not a date.

    Examples
    --------
    >>> date_text("2024-01-05")
    '2024-01-05T00:00:00.000'
    >>> date_text("2024-01-05T10:00:00")
    '2024-01-05T10:00:00.000'
    >>> date_text("next tuesday") is None
    True
    """
    match = _DATE.match(value.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction = match.groups()
    try:
        datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        return None
    millis = (fraction or "").ljust(3, "0")[:3]
    return f"{year}-{month}-{day}T{hour or '00'}:{minute or '00'}:{second or '00'}.{millis}"


@dataclass(frozen=True)
class Expr:
    """One compiled SoQL expression.

    ``sql`` holds ``?`` placeholders filled, in order, by ``params``. ``type`` is a
    Socrata dataTypeName (``"null"`` for the literal NULL); ``name`` is the output
    name Socrata would give it; ``aggregate`` says it holds an aggregate;
    ``columns`` the columns it reads outside any aggregate; ``literal`` the Python
    value of a literal (so ``'2024-01-05'`` can become a date next to a date).
    """

    sql: str
    params: tuple = ()
    type: str = "text"
    name: str = ""
    aggregate: bool = False
    columns: frozenset[str] = frozenset()
    literal: object = field(default=None, compare=False)
    is_literal: bool = False


@dataclass
class Scope:
    """What names mean in a clause: the dataset's columns and the select list's aliases.

    ``columns`` maps a lower-cased field name to ``(field name, dataTypeName)``;
    ``aliases`` (explicit ``AS`` names) win over columns, ``auto`` names
    (``count``, ``sum_x``) only when no column has that name.
    """

    columns: Mapping[str, tuple[str, str]]
    dataset: str | None = None
    aliases: dict[str, Expr] = field(default_factory=dict)
    auto: dict[str, Expr] = field(default_factory=dict)

    def error(self, message: str, code: str, hint: str | None = None) -> QueryError:
        return QueryError(message, code=code, dataset=self.dataset, hint=hint)

    def resolve(self, name: str) -> Expr:
        key = name.lower()
        if key in self.aliases:
            return self.aliases[key]
        if key in self.columns:
            field_name, type_ = self.columns[key]
            return Expr(quote_name(field_name), (), type_, field_name, columns=frozenset({field_name}))
        if key == ":id":
            return Expr("rowid", (), "number", ":id", columns=frozenset({":id"}))
        if key in self.auto:
            return self.auto[key]
        known = ", ".join(name for name, _ in list(self.columns.values())[:12])
        raise self.error(f"No such column: {name}", NO_SUCH_COLUMN, hint=f"columns include {known}")


def compile_clause(clause: str, text: str, scope: Scope):
    """Parse one SoQL clause and compile it against ``scope``.

    Returns a list of ``(alias or None, Expr)`` for ``$select`` (``("*", None)``
    for a star, ``("DISTINCT", None)`` first for ``SELECT DISTINCT``), an
    :class:`Expr` for ``$where``/``$having``, a list of :class:`Expr` for
    ``$group`` and a list of ``(Expr, SQL ordering suffix)`` for ``$order``.
    """
    try:
        tree = _PARSER.parse(text, start=_CLAUSE_RULES[clause])
    except UnexpectedInput as exc:
        raise _malformed(clause, text, exc, scope) from None
    try:
        return _Compiler(scope).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, QueryError):
            raise exc.orig_exc from None
        raise


def _malformed(clause: str, text: str, exc: UnexpectedInput, scope: Scope) -> QueryError:
    token = getattr(exc, "token", None)
    line, column = getattr(exc, "line", -1), getattr(exc, "column", -1)
    if isinstance(exc, UnexpectedEOF) or (token is not None and token.type == "$END") or line in (None, -1):
        lines = text.split("\n")
        line, column, got = len(lines), len(lines[-1]) + 1, "end of input"
    elif token is not None:
        got = repr(str(token))
    else:
        got = repr(text[exc.pos_in_stream : exc.pos_in_stream + 1])
    message = f"Could not parse SoQL {clause} {text!r} at line {line} character {column}: unexpected {got}"
    error = scope.error(message, MALFORMED, hint="check the quotes, commas and parentheses near that character")
    error.position = (line, column)
    return error


# ---------------------------------------------------------------------------
# the functions SoQL knows, by name: name -> (compile, is aggregate)

FunctionCompiler = Callable[[Scope, str, list[Expr]], Expr]
_FUNCTIONS: dict[str, tuple[FunctionCompiler, bool]] = {}


def _function(*names: str, aggregate: bool = False):
    def register(compile_: FunctionCompiler) -> FunctionCompiler:
        for name in names:
            _FUNCTIONS[name] = (compile_, aggregate)
        return compile_

    return register


def _arity(scope: Scope, name: str, args: list[Expr], count: int) -> None:
    if len(args) != count:
        raise scope.error(f"Function {name} takes {count} argument(s), not {len(args)}", TYPE_MISMATCH)


def _expect(scope: Scope, name: str, arg: Expr, types: set[str]) -> None:
    if arg.type not in types | {"null"}:
        wanted = " or ".join(sorted(types))
        raise scope.error(f"Type mismatch: {name} takes {wanted}, not {arg.type}", TYPE_MISMATCH)


def _call_name(name: str, args: list[Expr]) -> str:
    return "_".join([name] + [re.sub(r"\W+", "_", a.name).strip("_") for a in args])


@_function("count", aggregate=True)
def _count(scope: Scope, name: str, args: list[Expr]) -> Expr:
    _arity(scope, name, args, 1)
    return Expr(f"count({args[0].sql})", args[0].params, "number", _call_name(name, args), aggregate=True)


@_function("sum", "avg", aggregate=True)
def _sum_avg(scope: Scope, name: str, args: list[Expr]) -> Expr:
    _arity(scope, name, args, 1)
    _expect(scope, name, args[0], {"number"})
    sql = f"{name}({args[0].sql})" if name == "avg" else f"sum({args[0].sql})"
    return Expr(sql, args[0].params, "number", _call_name(name, args), aggregate=True)


@_function("min", "max", aggregate=True)
def _min_max(scope: Scope, name: str, args: list[Expr]) -> Expr:
    _arity(scope, name, args, 1)
    _expect(scope, name, args[0], _COMPARABLE)
    return Expr(f"{name}({args[0].sql})", args[0].params, args[0].type, _call_name(name, args), aggregate=True)


_TRUNCATE = {"date_trunc_y": (4, "-01-01T00:00:00.000"), "date_trunc_ym": (7, "-01T00:00:00.000")}
_TRUNCATE["date_trunc_ymd"] = (10, "T00:00:00.000")


@_function(*_TRUNCATE)
def _date_trunc(scope: Scope, name: str, args: list[Expr]) -> Expr:
    _arity(scope, name, args, 1)
    _expect(scope, name, args[0], {"calendar_date"})
    keep, tail = _TRUNCATE[name]
    return _derived(f"(substr({args[0].sql}, 1, {keep}) || '{tail}')", args, "calendar_date", name)


_EXTRACT = {"date_extract_y": (1, 4), "date_extract_m": (6, 2), "date_extract_d": (9, 2), "date_extract_hh": (12, 2)}


@_function(*_EXTRACT)
def _date_extract(scope: Scope, name: str, args: list[Expr]) -> Expr:
    _arity(scope, name, args, 1)
    _expect(scope, name, args[0], {"calendar_date"})
    start, length = _EXTRACT[name]
    return _derived(f"CAST(substr({args[0].sql}, {start}, {length}) AS INTEGER)", args, "number", name)


@_function("upper", "lower")
def _case(scope: Scope, name: str, args: list[Expr]) -> Expr:
    _arity(scope, name, args, 1)
    _expect(scope, name, args[0], {"text", "url"})
    return _derived(f"soql_{name}({args[0].sql})", args, "text", name)


@_function("starts_with")
def _starts_with(scope: Scope, name: str, args: list[Expr]) -> Expr:
    _arity(scope, name, args, 2)
    for arg in args:
        _expect(scope, name, arg, {"text", "url"})
    value, prefix = args
    sql = f"(substr({value.sql}, 1, length({prefix.sql})) = {prefix.sql})"
    return _derived(sql, [value, prefix, prefix], "checkbox", name)


def _derived(sql: str, args: list[Expr], type_: str, name: str) -> Expr:
    """A non-aggregate function of ``args`` (their params in the order ``sql`` uses them)."""
    params = tuple(p for a in args for p in a.params)
    columns = frozenset().union(*(a.columns for a in args))
    return Expr(sql, params, type_, _call_name(name, args[:1]), any(a.aggregate for a in args), columns)


# ---------------------------------------------------------------------------
# the tree -> Expr compiler


def _combine(sql: str, parts: list[Expr], type_: str, name: str = "") -> Expr:
    """An operator over ``parts``, whose params appear in ``sql`` in the same order."""
    params = tuple(p for part in parts for p in part.params)
    columns = frozenset().union(*(p.columns for p in parts))
    name = name or "_".join(p.name for p in parts if p.name)
    return Expr(sql, params, type_, name, any(p.aggregate for p in parts), columns)


def _literal(value: object, type_: str) -> Expr:
    shown = "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    return Expr("?", (value,), type_, shown, literal=value, is_literal=True)


@v_args(inline=True)
class _Compiler(Transformer):
    """Turns a parse tree into :class:`Expr` values, checking names and types."""

    def __init__(self, scope: Scope):
        super().__init__()
        self.scope = scope

    # -- literals and names
    def number(self, token: Token) -> Expr:
        return _literal(float(token), "number")

    def string(self, token: Token) -> Expr:
        quote = token[0]
        return _literal(token[1:-1].replace(quote * 2, quote), "text")

    def true(self) -> Expr:
        return _literal(True, "checkbox")

    def false(self) -> Expr:
        return _literal(False, "checkbox")

    def null(self) -> Expr:
        return Expr("NULL", (), "null", "null", is_literal=True)

    def name(self, token: Token) -> str:
        return token[1:-1] if token.type == "QUOTED" else str(token)

    def column(self, name: str) -> Expr:
        return self.scope.resolve(name)

    # -- functions
    def call_star(self, name: str) -> Expr:
        if name.lower() != "count":
            raise self.scope.error(f"Only count takes *, not {name}", TYPE_MISMATCH)
        return Expr("count(*)", (), "number", "count", aggregate=True)

    def call(self, name: str, args: list[Expr] | None) -> Expr:
        found = _FUNCTIONS.get(name.lower())
        if found is None:
            known = ", ".join(sorted(_FUNCTIONS))
            raise self.scope.error(f"No such function: {name}", NO_SUCH_FUNCTION, hint=f"SoQL here knows {known}")
        compile_, aggregate = found
        args = args or []
        if aggregate and any(a.aggregate for a in args):
            raise self.scope.error(f"Type mismatch: an aggregate inside {name}()", TYPE_MISMATCH)
        return compile_(self.scope, name.lower(), args)

    def expr_list(self, *items: Expr) -> list[Expr]:
        return list(items)

    # -- arithmetic
    def _arith(self, op: str, left: Expr, right: Expr) -> Expr:
        for side in (left, right):
            _expect(self.scope, op, side, {"number"})
        return _combine(f"({left.sql} {op} {right.sql})", [left, right], "number")

    def add(self, left: Expr, right: Expr) -> Expr:
        return self._arith("+", left, right)

    def sub(self, left: Expr, right: Expr) -> Expr:
        return self._arith("-", left, right)

    def mul(self, left: Expr, right: Expr) -> Expr:
        return self._arith("*", left, right)

    def div(self, left: Expr, right: Expr) -> Expr:
        return self._arith("/", left, right)

    def mod(self, left: Expr, right: Expr) -> Expr:
        return self._arith("%", left, right)

    def neg(self, value: Expr) -> Expr:
        _expect(self.scope, "-", value, {"number"})
        if value.is_literal and value.literal is not None:
            return _literal(-value.literal, "number")
        return replace(value, sql=f"(-{value.sql})", is_literal=False)

    def concat(self, left: Expr, right: Expr) -> Expr:
        return _combine(f"({left.sql} || {right.sql})", [left, right], "text")

    # -- logic
    def _boolean(self, *parts: Expr) -> None:
        for part in parts:
            _expect(self.scope, "a condition", part, {"checkbox"})

    def or_(self, left: Expr, right: Expr) -> Expr:
        self._boolean(left, right)
        return _combine(f"({left.sql} OR {right.sql})", [left, right], "checkbox")

    def and_(self, left: Expr, right: Expr) -> Expr:
        self._boolean(left, right)
        return _combine(f"({left.sql} AND {right.sql})", [left, right], "checkbox")

    def not_(self, value: Expr) -> Expr:
        self._boolean(value)
        return _combine(f"(NOT {value.sql})", [value], "checkbox")

    # -- predicates
    def compare(self, left: Expr, op: Token, right: Expr) -> Expr:
        left, right = _align(self.scope, left, right)
        sql_op = {"==": "=", "<>": "!="}.get(str(op), str(op))
        return _combine(f"({left.sql} {sql_op} {right.sql})", [left, right], "checkbox")

    def is_null(self, value: Expr) -> Expr:
        return _combine(f"({value.sql} IS NULL)", [value], "checkbox")

    def is_not_null(self, value: Expr) -> Expr:
        return _combine(f"({value.sql} IS NOT NULL)", [value], "checkbox")

    def like(self, value: Expr, pattern: Expr) -> Expr:
        _expect(self.scope, "like", value, {"text", "url"})
        if not (pattern.is_literal and isinstance(pattern.literal, str)):
            raise self.scope.error("Type mismatch: like takes a text literal pattern, e.g. 'HEAT%'", TYPE_MISMATCH)
        glob = _literal(_like_to_glob(pattern.literal), "text")
        return _combine(f"({value.sql} GLOB ?)", [value, glob], "checkbox")

    def not_like(self, value: Expr, pattern: Expr) -> Expr:
        inner = self.like(value, pattern)
        return replace(inner, sql=f"(NOT {inner.sql})")

    def between(self, value: Expr, low: Expr, high: Expr) -> Expr:
        value, low = _align(self.scope, value, low)
        value, high = _align(self.scope, value, high)
        return _combine(f"({value.sql} BETWEEN {low.sql} AND {high.sql})", [value, low, high], "checkbox")

    def not_between(self, value: Expr, low: Expr, high: Expr) -> Expr:
        inner = self.between(value, low, high)
        return replace(inner, sql=f"(NOT {inner.sql})")

    def in_(self, value: Expr, options: list[Expr]) -> Expr:
        aligned = [_align(self.scope, value, option)[1] for option in options]
        value = _align(self.scope, value, options[0])[0]
        placeholders = ", ".join(o.sql for o in aligned)
        return _combine(f"({value.sql} IN ({placeholders}))", [value, *aligned], "checkbox")

    def not_in(self, value: Expr, options: list[Expr]) -> Expr:
        inner = self.in_(value, options)
        return replace(inner, sql=f"(NOT {inner.sql})")

    # -- clauses
    def select_list(self, *items):
        distinct = items and isinstance(items[0], Token)
        return ([("DISTINCT", None)] if distinct else []) + list(items[1:] if distinct else items)

    def star(self):
        return ("*", None)

    def item(self, expr: Expr, alias: str | None = None):
        return (alias, expr)

    def order_list(self, *items):
        return list(items)

    def order_item(self, expr: Expr, *options: Token):
        words = [str(o).upper() for o in options]
        descending = "DESC" in words
        # as Socrata (PostgreSQL): NULLs last ascending, first descending, unless asked
        nulls_last = "LAST" in words or ("FIRST" not in words and not descending)
        suffix = f"{'DESC' if descending else 'ASC'} NULLS {'LAST' if nulls_last else 'FIRST'}"
        return (expr, suffix)


def _like_to_glob(pattern: str) -> str:
    """A SQL LIKE pattern as a case-sensitive GLOB (Socrata's like is case-sensitive)."""
    special = {"*": "[*]", "?": "[?]", "[": "[[]", "%": "*", "_": "?"}
    return "".join(special.get(ch, ch) for ch in pattern)


def _align(scope: Scope, left: Expr, right: Expr) -> tuple[Expr, Expr]:
    """Make two sides comparable: a text literal next to a date, number or checkbox becomes one."""
    if left.is_literal and not right.is_literal:
        right, left = _align(scope, right, left)
        return left, right
    if "null" in (left.type, right.type) or left.type == right.type:
        return left, right
    if right.is_literal and right.type == "text":
        return left, _cast_literal(scope, right.literal, left.type)
    if {left.type, right.type} <= {"text", "url"}:
        return left, right
    raise scope.error(f"Type mismatch: cannot compare {left.type} ({left.name}) with {right.type}", TYPE_MISMATCH)


def _cast_literal(scope: Scope, value: str, type_: str) -> Expr:
    """The text literal ``value`` as a ``type_`` value, or a type-mismatch error."""
    cast = _LITERAL_CASTS.get(type_)
    result = cast(value) if cast else None
    if result is None:
        raise scope.error(f"Type mismatch: {value!r} is not a {type_}", TYPE_MISMATCH)
    return replace(_literal(result, type_), literal=result)


def _number_or_none(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


_LITERAL_CASTS: dict[str, Callable[[str], object]] = {
    "calendar_date": date_text,
    "number": _number_or_none,
    "checkbox": lambda v: {"true": True, "false": False}.get(v.strip().lower()),
    "url": str,
}
