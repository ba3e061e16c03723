"""Typed event models without pydantic (issue 11: cold starts): the functions' events, in the stdlib.

pydantic's own import is ≈ 45 ms of CPU on top of the bare Powertools + boto3 + X-Ray import (≈ 0.17×, more
than the 1.15× budget leaves a function), so the state machine's events are declared with this small
subset of its API instead — the same spelling (``class E(Model): x: int = Field(3, ge=1)``,
``@field_validator``, ``model_validate`` / ``model_dump`` / ``model_copy``), the same error wording
(``Field required``, ``Input should be …``, ``Value error, …``), one error per field, each naming the field.
The planner's models (the scenario, the console's migration request: :mod:`.request`) stay pydantic; a model
declared here that the request nests too becomes a pydantic one with :func:`as_pydantic` (one declaration).

Supported annotations: ``str``, ``int``, ``float``, ``bool``, ``Any``, ``None``, ``Literal[...]``, unions
(``X | None``), ``list[T]``, ``dict[str, T]`` and other :class:`Model` classes. Lax like pydantic where the
state machine's JSON needs it (an integral float is an int, an int is a float); no other coercion (pydantic
would read ``"3"`` as 3: the events carry JSON numbers, and the console's request is pydantic's).
"""

from __future__ import annotations

import json
import sys
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Literal, TypeVar, Union, get_args, get_origin

if typing.TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = [
    "ConfigDict",
    "Field",
    "Model",
    "ValidationError",
    "as_pydantic",
    "field_validator",
    "model_validator",
]

Loc = tuple[str | int, ...]
M = TypeVar("M", bound="Model")
_MISSING: Any = object()
_CONSTRAINTS = ("ge", "gt", "le", "lt", "min_length", "max_length", "pattern")


class ValidationError(ValueError):
    """A malformed event: every problem, each with where it is (``loc``) and why (pydantic's wording). The
    name is pydantic's too: the onboarding state machine does not retry a ``ValidationError``."""

    def __init__(self, title: str, problems: list[tuple[Loc, str, str]]) -> None:
        self.title = title
        self.problems = problems  # (loc, message, the input's repr or "")
        super().__init__(str(self))

    def __reduce__(self) -> tuple[Any, ...]:  # copy / pickle with both arguments
        return (type(self), (self.title, self.problems))

    def error_count(self) -> int:
        return len(self.problems)

    def errors(self) -> list[dict[str, Any]]:
        return [{"loc": loc, "msg": msg} for loc, msg, _ in self.problems]

    def redacted(self) -> str:
        """Each problem, field by field, without the input's values (an event that carries a secret)."""
        return "; ".join(f"{'.'.join(map(str, loc)) or '(event)'}: {msg}" for loc, msg, _ in self.problems)

    def __str__(self) -> str:
        n = len(self.problems)
        lines = [f"{n} validation error{'s' if n != 1 else ''} for {self.title}"]
        for loc, msg, got in self.problems:
            lines += [
                ".".join(map(str, loc)) or "(event)",
                f"  {msg}" + (f" [input_value={got}]" if got else ""),
            ]
        return "\n".join(lines)


def ConfigDict(**config: Any) -> dict[str, Any]:
    """``extra`` (``ignore`` by default, or ``forbid``) and ``populate_by_name``."""
    return config


class FieldInfo:
    """One field: its default (or factory), its alias and its constraints (pydantic's names)."""

    def __init__(
        self, default: Any = _MISSING, *, default_factory: Callable[[], Any] | None = None, **kw: Any
    ):
        unknown = set(kw) - {"alias", *_CONSTRAINTS}
        if unknown:
            raise TypeError(f"Field(): unsupported {', '.join(sorted(unknown))}")
        self.default, self.default_factory = default, default_factory
        self.alias: str | None = kw.pop("alias", None)
        self.constraints: dict[str, Any] = {k: v for k, v in kw.items() if v is not None}
        self.annotation: Any = Any

    @property
    def required(self) -> bool:
        return self.default is _MISSING and self.default_factory is None

    def make_default(self) -> Any:
        if self.default_factory is not None:
            return self.default_factory()
        return _copy(self.default)


def Field(default: Any = _MISSING, **kw: Any) -> Any:
    """A field's default (``...`` or nothing: required), ``default_factory``, ``alias`` and constraints."""
    return FieldInfo(_MISSING if default is ... else default, **kw)


def field_validator(*fields: str) -> Callable[[Any], Any]:
    """``@field_validator("x")`` over a ``@classmethod`` ``(cls, value) -> value`` that raises ValueError."""

    def mark(method: Any) -> Any:
        func = method.__func__ if isinstance(method, classmethod) else method
        setattr(func, "__validates__", fields)  # noqa: B010 (a function's own attribute)
        return method if isinstance(method, classmethod) else classmethod(method)

    return mark


def model_validator(*, mode: Literal["after"]) -> Callable[[Any], Any]:
    """``@model_validator(mode="after")`` over a method ``(self) -> self`` that raises ValueError: checked
    once every field is valid (a problem of the whole model, as pydantic words it: ``Value error, …``)."""
    if mode != "after":
        raise TypeError("model_validator: only mode='after' is supported")

    def mark(method: Any) -> Any:
        setattr(method, "__model_validator__", True)  # noqa: B010 (a function's own attribute)
        return method

    return mark


class Model:
    """A typed event: fields from the class annotations, validated by :meth:`model_validate`."""

    model_config: ClassVar[dict[str, Any]] = {}
    model_fields: ClassVar[dict[str, FieldInfo]] = {}
    __field_validators__: ClassVar[dict[str, list[str]]] = {}  # field -> its validators (attribute names)
    __model_validators__: ClassVar[list[str]] = []  # the "after" validators (attribute names)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # A model's fields are its parent's, then its own annotations (evaluated in its module: cheap, as
        # a cold start wants); one parent model only.
        super().__init_subclass__(**kwargs)
        parents = [b for b in cls.__bases__ if issubclass(b, Model)]
        if len(parents) != 1:
            raise TypeError(f"{cls.__name__}: a model has one parent model")
        parent = parents[0]
        cls.model_config = {**parent.model_config, **cls.__dict__.get("model_config", {})}
        fields = dict(parent.model_fields)
        namespace = vars(sys.modules[cls.__module__])
        for name, annotation in cls.__dict__.get("__annotations__", {}).items():
            if name.startswith(("_", "model_")):
                continue
            tp = _evaluate(annotation, namespace)
            declared = cls.__dict__.get(name, _MISSING)
            info = declared if isinstance(declared, FieldInfo) else FieldInfo(declared)
            _check_annotation(tp, f"{cls.__name__}.{name}")
            fields[name] = _with(info, tp)
        cls.model_fields = fields
        validators = {f: list(attrs) for f, attrs in parent.__field_validators__.items()}
        for attr, value in cls.__dict__.items():
            for f in getattr(getattr(value, "__func__", None), "__validates__", ()):
                if f not in fields:
                    raise TypeError(f"{cls.__name__}.{attr} validates unknown field {f!r}")
                validators.setdefault(f, []).append(attr)
        cls.__field_validators__ = validators
        cls.__model_validators__ = [*parent.__model_validators__] + [
            attr for attr, value in cls.__dict__.items() if getattr(value, "__model_validator__", False)
        ]

    def __init__(self, **data: Any) -> None:
        problems: list[tuple[Loc, str, str]] = []
        built = type(self)._build(data, (), problems, by_name=True)
        if problems:
            raise ValidationError(type(self).__name__, problems)
        self.__dict__.update(built.__dict__)

    @classmethod
    def model_validate(cls: type[M], data: Any) -> M:
        problems: list[tuple[Loc, str, str]] = []
        built = cls._build(data, (), problems)
        if problems:
            raise ValidationError(cls.__name__, problems)
        return built

    @classmethod
    def model_validate_json(cls: type[M], text: str | bytes) -> M:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ValidationError(cls.__name__, [((), f"Invalid JSON: {exc}", "")]) from None
        return cls.model_validate(data)

    @classmethod
    def _build(
        cls: type[M], data: Any, loc: Loc, problems: list[tuple[Loc, str, str]], by_name: bool = False
    ) -> M:
        if isinstance(data, cls):
            return data
        if not isinstance(data, Mapping) and callable(getattr(data, "model_dump", None)):
            data = data.model_dump(by_alias=True)  # e.g. the console request's (pydantic) AccountRef
        if not isinstance(data, Mapping):
            problems.append(
                (loc, f"Input should be a valid dictionary or instance of {cls.__name__}", _got(data))
            )
            return cls.__new__(cls)
        by_name = by_name or bool(cls.model_config.get("populate_by_name"))
        before_all = len(problems)
        values: dict[str, Any] = {}
        used: set[str] = set()
        for name, info in cls.model_fields.items():
            key = info.alias or name
            if key not in data and by_name and name in data:
                key = name
            if key not in data:
                if info.required:
                    problems.append(((*loc, info.alias or name), "Field required", ""))
                else:
                    values[name] = info.make_default()
                continue
            used.add(key)
            at, before = (*loc, key), len(problems)
            value = _validate(info.annotation, data[key], at, problems)
            if len(problems) == before:
                value = _constrain(info.constraints, value, at, problems)
            for attr in cls.__field_validators__.get(name, ()):
                if len(problems) > before:
                    break
                try:
                    value = getattr(cls, attr)(value)
                except ValueError as exc:
                    problems.append((at, f"Value error, {exc}", ""))
            values[name] = value
        if cls.model_config.get("extra") == "forbid":
            problems.extend(
                ((*loc, k), "Extra inputs are not permitted", _got(data[k])) for k in data if k not in used
            )
        obj = cls.__new__(cls)
        obj.__dict__.update(values)
        if len(problems) == before_all:
            for attr in cls.__model_validators__:
                try:
                    obj = getattr(obj, attr)()
                except ValueError as exc:
                    problems.append((loc, f"Value error, {exc}", ""))
                    break
        return obj

    def model_dump(
        self, *, mode: str = "python", by_alias: bool = False, exclude_defaults: bool = False
    ) -> dict[str, Any]:
        """The fields as plain data (``mode`` is accepted for pydantic's spelling: the data is JSON's already)."""
        out: dict[str, Any] = {}
        for name, info in self.model_fields.items():
            value = self.__dict__[name]
            if exclude_defaults and not info.required and value == info.make_default():
                continue
            out[(info.alias or name) if by_alias else name] = _dump(value, mode, by_alias, exclude_defaults)
        return out

    def model_copy(self: M, *, update: Mapping[str, Any] | None = None) -> M:
        """A shallow copy with ``update``'s fields replaced (not validated, as pydantic's)."""
        obj = type(self).__new__(type(self))
        obj.__dict__.update(self.__dict__)
        obj.__dict__.update(update or {})
        return obj

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    __hash__ = None  # type: ignore[assignment]  # mutable, as pydantic's models

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.__dict__.items())})"


_EVALUATED: dict[tuple[str, int], Any] = {}


def _evaluate(annotation: Any, namespace: dict[str, Any]) -> Any:
    """A string annotation (``from __future__ import annotations``) as the type it names."""
    if not isinstance(annotation, str):
        return annotation
    key = (annotation, id(namespace))
    if key not in _EVALUATED:
        # the module's own annotation, evaluated as typing.get_type_hints does
        _EVALUATED[key] = eval(annotation, namespace)
    return _EVALUATED[key]


def _with(info: FieldInfo, annotation: Any) -> FieldInfo:
    out = FieldInfo.__new__(FieldInfo)
    out.__dict__.update(info.__dict__)
    out.annotation = annotation
    return out


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value)) if isinstance(value, list | dict) else value


def _got(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _dump(value: Any, mode: str, by_alias: bool, exclude_defaults: bool) -> Any:
    if isinstance(value, Model):
        return value.model_dump(mode=mode, by_alias=by_alias, exclude_defaults=exclude_defaults)
    if isinstance(value, dict):
        return {k: _dump(v, mode, by_alias, exclude_defaults) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_dump(v, mode, by_alias, exclude_defaults) for v in value]
    return value


_SCALARS: dict[type, str] = {
    str: "a valid string",
    int: "a valid integer",
    float: "a valid number",
    bool: "a valid boolean",
    type(None): "None",
}


def _check_annotation(tp: Any, where: str) -> None:
    """Refuse, when the class is made, an annotation :func:`_validate` does not handle."""
    origin = get_origin(tp)
    if tp is Any or tp in _SCALARS or origin is Literal:
        return
    if isinstance(tp, type) and issubclass(tp, Model):
        return
    if origin in (Union, types.UnionType, list) or (origin is dict and get_args(tp)[0] is str):
        for arg in get_args(tp):
            _check_annotation(arg, where)
        return
    raise TypeError(f"{where}: annotation {tp!r} is not supported by profile_migrator.typed")


def _describe(tp: Any) -> str:
    if tp in _SCALARS:
        return _SCALARS[tp]
    if get_origin(tp) is Literal:
        return " or ".join(map(repr, get_args(tp)))
    if get_origin(tp) is list:
        return "a valid list"
    if get_origin(tp) is dict or (isinstance(tp, type) and issubclass(tp, Model)):
        return "a valid dictionary"
    return repr(tp)


def _validate(tp: Any, value: Any, loc: Loc, problems: list[tuple[Loc, str, str]]) -> Any:
    """``value`` as ``tp`` (a problem appended when it is not)."""
    if tp is Any:
        return value
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        arms = get_args(tp)
        if value is None and type(None) in arms:
            return None
        arms = tuple(a for a in arms if a is not type(None))
        if len(arms) == 1:
            return _validate(arms[0], value, loc, problems)
        for arm in arms:
            scratch: list[tuple[Loc, str, str]] = []
            out = _validate(arm, value, loc, scratch)
            if not scratch:
                return out
        problems.append((loc, f"Input should be {' or '.join(map(_describe, arms))}", _got(value)))
        return value
    if isinstance(tp, type) and issubclass(tp, Model):
        return tp._build(value, loc, problems)
    if origin is Literal:
        allowed = get_args(tp)
        if any(value == a and type(value) is type(a) for a in allowed):
            return value
        names = [repr(a) for a in allowed]
        words = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
        problems.append((loc, f"Input should be {words}", _got(value)))
        return value
    if origin is list:
        if not isinstance(value, list | tuple):
            problems.append((loc, "Input should be a valid list", _got(value)))
            return value
        (item,) = get_args(tp)
        return [_validate(item, v, (*loc, i), problems) for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, Mapping):
            problems.append((loc, "Input should be a valid dictionary", _got(value)))
            return value
        _, item = get_args(tp)
        items: dict[str, Any] = {}
        for k, v in value.items():
            if not isinstance(k, str):
                problems.append(((*loc, str(k)), "Keys should be valid strings", _got(k)))
            items[k] = _validate(item, v, (*loc, k), problems)
        return items
    if tp is bool:
        ok = isinstance(value, bool)
    elif tp is int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif tp is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif tp is type(None):
        ok = value is None
    else:
        ok = isinstance(value, tp)
    if not ok:
        problems.append((loc, f"Input should be {_SCALARS[tp]}", _got(value)))
    return value


def _constrain(c: dict[str, Any], value: Any, loc: Loc, problems: list[tuple[Loc, str, str]]) -> Any:
    """pydantic's constraints, with its wording: bounds, lengths and a pattern (``re.search``)."""
    if not c:
        return value
    fails: list[str] = []
    if "ge" in c and not value >= c["ge"]:
        fails.append(f"Input should be greater than or equal to {c['ge']}")
    if "gt" in c and not value > c["gt"]:
        fails.append(f"Input should be greater than {c['gt']}")
    if "le" in c and not value <= c["le"]:
        fails.append(f"Input should be less than or equal to {c['le']}")
    if "lt" in c and not value < c["lt"]:
        fails.append(f"Input should be less than {c['lt']}")
    if "min_length" in c or "max_length" in c:
        what = "String" if isinstance(value, str) else "List" if isinstance(value, list) else "Dictionary"
        unit, after = (
            ("character", "") if what == "String" else ("item", f" after validation, not {len(value)}")
        )
        for key, words in (("min_length", "at least"), ("max_length", "at most")):
            n = c.get(key)
            if n is not None and (len(value) < n if key == "min_length" else len(value) > n):
                fails.append(f"{what} should have {words} {n} {unit}{'s' if n != 1 else ''}{after}")
    if "pattern" in c:
        import re

        if not re.search(c["pattern"], value):
            fails.append(f"String should match pattern '{c['pattern']}'")
    problems.extend((loc, msg, "" if "should have" in msg else _got(value)) for msg in fails[:1])
    return value


def as_pydantic(model: type[Model]) -> type[BaseModel]:
    """The pydantic model of a flat :class:`Model` (same name, fields, defaults, constraints, validators):
    for the console's request (:mod:`.request`), which nests a few of the events' models, and its JSON
    Schema. Imports pydantic, so only the preflight and the tools call it."""
    from pydantic import ConfigDict as PydanticConfig
    from pydantic import Field as PydanticField
    from pydantic import create_model
    from pydantic import field_validator as pydantic_validator
    from pydantic import model_validator as pydantic_model_validator

    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if any(
            isinstance(a, type) and issubclass(a, Model)
            for a in (info.annotation, *get_args(info.annotation))
        ):
            raise TypeError(f"as_pydantic({model.__name__}): {name} nests a model")
        kw: dict[str, Any] = {**info.constraints}
        if info.alias:
            kw["alias"] = info.alias
        if info.default_factory is not None:
            fields[name] = (info.annotation, PydanticField(default_factory=info.default_factory, **kw))
        else:
            fields[name] = (info.annotation, PydanticField(... if info.required else info.default, **kw))
    validators: dict[str, Any] = {}
    for field, attrs in model.__field_validators__.items():
        for attr in attrs:
            validators[f"{attr}_{field}"] = pydantic_validator(field)(
                classmethod(_field_check(getattr(model, attr)))
            )
    for attr in model.__model_validators__:
        validators[attr] = pydantic_model_validator(mode="after")(_model_check(getattr(model, attr)))
    config: Any = PydanticConfig(**model.model_config)  # type: ignore[typeddict-item]
    for attr in model.__model_validators__:
        check = getattr(model, attr)
        validators[attr] = pydantic_model_validator(mode="after")(lambda self, c=check: c(self))
    return create_model(
        model.__name__,
        __config__=config,
        __doc__=model.__doc__,
        __module__=model.__module__,
        __validators__=validators,
        **fields,
    )


def _field_check(check: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
    def validate(cls: Any, value: Any) -> Any:
        return check(value)

    return validate


def _model_check(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def validate(self: Any) -> Any:
        return check(self)  # the pydantic instance has the same fields

    return validate
