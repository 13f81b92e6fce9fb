"""Compile `when:` conditions from guidance data into fast Python code.

A condition is a mapping of case-facts fields to the values that satisfy it; all entries must
hold. `any`, `all` and `not` combine conditions. Predicates take the facts object and a small
dict of values the engine has worked out so far (outcome, route, inform_family), so a rule
written in data costs a few attribute loads and set tests at run time.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pydantic import BaseModel

from .errors import GuidanceError
from .yaml_source import LocDict, where

Predicate = Callable[[Any, Mapping[str, Any]], bool]

CHOICE, MULTI_CHOICE, YES_NO, NUMBER, TEXT, TEXT_LIST = "choice", "multi_choice", "yes_no", "number", "text", "text_list"


@dataclass(frozen=True)
class FieldSpec:
    """What values a case-facts field (or an engine-derived value) can take."""

    name: str
    kind: str
    values: tuple[Any, ...] = ()  # allowed scalar values, None included when optional
    optional: bool = False
    derived: bool = False  # computed by the engine, not a case fact
    minimum: int | None = None
    maximum: int | None = None


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _bounds(info: Any) -> tuple[int | None, int | None]:
    lo = hi = None
    for item in info.metadata:
        lo = getattr(item, "ge", lo)
        hi = getattr(item, "le", hi)
    return lo, hi


def field_specs(model: type[BaseModel]) -> dict[str, FieldSpec]:
    """Describe every field of a facts model so conditions and questions can be checked."""
    specs: dict[str, FieldSpec] = {}
    for name, info in model.model_fields.items():
        annotation, optional = _unwrap_optional(info.annotation)
        none = (None,) if optional else ()
        origin = typing.get_origin(annotation)
        if isinstance(annotation, type) and issubclass(annotation, Enum):
            spec = FieldSpec(name, CHOICE, tuple(m.value for m in annotation) + none, optional)
        elif annotation is bool:
            spec = FieldSpec(name, YES_NO, (True, False) + none, optional)
        elif annotation is int:
            lo, hi = _bounds(info)
            spec = FieldSpec(name, NUMBER, none, optional, minimum=lo, maximum=hi)
        elif origin is list:
            (inner,) = typing.get_args(annotation)
            inner = typing.get_args(inner)[0] if typing.get_origin(inner) is typing.Annotated else inner
            if isinstance(inner, type) and issubclass(inner, Enum):
                spec = FieldSpec(name, MULTI_CHOICE, tuple(m.value for m in inner), optional)
            else:
                spec = FieldSpec(name, TEXT_LIST, (), optional)
        else:
            spec = FieldSpec(name, TEXT, none, optional)
        specs[name] = spec
    return specs


def derived_spec(name: str, values: tuple[Any, ...]) -> FieldSpec:
    return FieldSpec(name, CHOICE, values, derived=True)


class ConditionCompiler:
    """Checks conditions against the known fields and compiles them to Python expressions.

    Conditions become expression source over field references, and are compiled once into
    functions. Only validated field names reach the source; every value from the data is
    bound as a named constant, never spliced in as text.
    """

    def __init__(self, specs: Mapping[str, FieldSpec]) -> None:
        self.specs = specs
        self.namespace: dict[str, Any] = {"__builtins__": {"bool": bool, "len": len, "tuple": tuple}}

    # -- public

    def compile(self, cond: Any, file: str, line: int | None, known: Mapping[str, Any] | None = None) -> Predicate | bool:
        """A predicate `(facts, derived) -> bool`. With `known` derived values, parts testing
        them are decided now; the result is plain True/False when nothing is left to test."""
        expr = self.expression(cond, file, line, _predicate_ref(self.specs), known or {})
        if isinstance(expr, bool):
            if known is None:
                return (lambda f, d: True) if expr else (lambda f, d: False)
            return expr
        return self.function(f"lambda f, d: {expr}")

    def expression(self, cond: Any, file: str, line: int | None, ref: Callable[[str], str], known: Mapping[str, Any] | None = None) -> str | bool:
        """Python source for the condition, given how to refer to each field."""
        if not isinstance(cond, dict) or not cond:
            raise GuidanceError(file, line, "a condition must be a non-empty mapping")
        return _all([self._entry(cond, key, value, file, ref, known or {}) for key, value in cond.items()])

    def function(self, source: str) -> Any:
        return eval(compile(source, "<guidance>", "eval"), self.namespace)  # source holds validated names only

    def define(self, source: str, name: str) -> Any:
        exec(compile(source, "<guidance>", "exec"), self.namespace)  # as above
        return self.namespace.pop(name)

    def fields_used(self, cond: Any) -> set[str]:
        used: set[str] = set()
        if isinstance(cond, dict):
            for key, value in cond.items():
                if key in ("all", "any"):
                    for sub in value:
                        used |= self.fields_used(sub)
                elif key == "not":
                    used |= self.fields_used(value)
                else:
                    used.add(key)
        return used

    # -- internals

    def _const(self, value: Any) -> str:
        name = f"_c{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def _entry(self, cond: LocDict, key: str, value: Any, file: str, ref: Callable[[str], str], known: Mapping[str, Any]) -> str | bool:
        line = where(cond, key)
        if key in ("all", "any"):
            subs = [self.expression(sub, file, where(value, i), ref, known) for i, sub in enumerate(value)]
            return _all(subs) if key == "all" else _any(subs)
        if key == "not":
            inner = self.expression(value, file, line, ref, known)
            return (not inner) if isinstance(inner, bool) else f"(not {inner})"
        spec = self.specs.get(key)
        if spec is None:
            names = ", ".join(sorted(self.specs))
            raise GuidanceError(file, line, f"unknown field '{key}' in condition (known: {names})")
        if spec.derived and key in known:
            # Decided now, e.g. the route an advice rule is being specialised for.
            expr = self._test(spec, "_v", value, file, line)
            return bool(eval(compile(f"lambda _v: {expr}", "<guidance>", "eval"), self.namespace)(known[key]))
        return self._test(spec, ref(key), value, file, line)

    def _test(self, spec: FieldSpec, target: str, value: Any, file: str, line: int | None) -> str:
        if isinstance(value, list):
            return self._in(spec, target, value, file, line)
        parts: list[str | bool] = []
        for op, arg in value.items():
            op_line = where(value, op) or line
            if op == "empty":
                if spec.kind not in (MULTI_CHOICE, TEXT_LIST, TEXT):
                    raise GuidanceError(file, op_line, f"'empty' only applies to lists and text, not '{spec.name}'")
                parts.append(f"(not {target})" if arg else f"bool({target})")
            elif op in ("min", "max"):
                if spec.kind != NUMBER:
                    raise GuidanceError(file, op_line, f"'{op}' only applies to numbers, not '{spec.name}'")
                if isinstance(arg, bool):
                    raise GuidanceError(file, op_line, f"'{op}' takes a whole number")
                sign = ">=" if op == "min" else "<="
                parts.append(f"({target} is not None and {target} {sign} {self._const(arg)})")
            elif op == "any_of":
                if spec.kind != MULTI_CHOICE:
                    raise GuidanceError(file, op_line, f"'any_of' only applies to lists, not '{spec.name}'")
                parts.append(self._in(spec, target, arg, file, op_line))
            elif op == "not":
                parts.append(f"(not {self._in(spec, target, arg, file, op_line)})")
        result = _all(parts)
        assert isinstance(result, str)
        return result

    def _check_values(self, spec: FieldSpec, values: list[Any], file: str, line: int | None) -> list[Any]:
        if spec.kind == NUMBER:
            for v in values:
                if v is not None and (not isinstance(v, int) or isinstance(v, bool)):
                    raise GuidanceError(file, line, f"'{spec.name}' takes whole numbers, not {v!r}")
                if v is None and not spec.optional:
                    raise GuidanceError(file, line, f"'{spec.name}' is never null")
            return values
        if spec.kind in (TEXT, TEXT_LIST) and not spec.values:
            raise GuidanceError(file, line, f"'{spec.name}' is free text; only 'empty: true/false' can be tested")
        for v in values:
            wrong_type = v is not None and (not isinstance(v, bool) if spec.kind == YES_NO else not isinstance(v, str))
            if wrong_type or v not in spec.values:
                shown = ", ".join(_show(a) for a in spec.values)
                raise GuidanceError(file, line, f"{_show(v)} is not a possible value of '{spec.name}' (expected one of: {shown})")
        return values

    def _in(self, spec: FieldSpec, target: str, values: list[Any], file: str, line: int | None) -> str:
        allowed = self._check_values(spec, values, file, line)
        if spec.kind == MULTI_CHOICE:
            return f"(not {self._const(frozenset(allowed))}.isdisjoint({target}))"
        unique = list(dict.fromkeys(allowed))
        if len(unique) == 1:
            (only,) = unique
            if only is None or isinstance(only, bool):
                return f"({target} is {only!r})"  # None/True/False: fixed Python literals
            return f"({target} == {self._const(only)})"
        return f"({target} in {self._const(frozenset(unique))})"


def _predicate_ref(specs: Mapping[str, FieldSpec]) -> Callable[[str], str]:
    def ref(name: str) -> str:
        return f"d[{name!r}]" if specs[name].derived else f"f.{name}"

    return ref


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return f"'{value}'" if isinstance(value, str) else repr(value)


def _all(parts: list[str | bool]) -> str | bool:
    if any(p is False for p in parts):
        return False
    live = [p for p in parts if p is not True]
    if not live:
        return True
    return live[0] if len(live) == 1 else "(" + " and ".join(live) + ")"  # type: ignore[arg-type]


def _any(parts: list[str | bool]) -> str | bool:
    if any(p is True for p in parts):
        return True
    live = [p for p in parts if p is not False]
    if not live:
        return False
    return live[0] if len(live) == 1 else "(" + " or ".join(live) + ")"  # type: ignore[arg-type]
