"""The twin's AWS error classes: one per error code, made from the service's moto base class."""

from __future__ import annotations

from typing import Any, TypeVar

E = TypeVar("E", bound=Exception)


def error_class(base: type[E], code: str, message: str | None = None, detail: str | None = None) -> type[E]:
    """The exception class ``code`` under ``base`` (botocore maps ``code`` to Error.Code); ``message``: AWS's
    fixed message, when it has one; ``detail``: the error shape's extra member (``resource_type``,
    ``field_name``), set from the second argument of the constructor when given."""
    attrs: dict[str, Any] = {"code": code}
    if message is not None:
        attrs["message"] = message
    if detail is not None:

        def __init__(self: E, text: str, value: str | None = None) -> None:
            base.__init__(self, text)
            if value:
                setattr(self, detail, value)

        attrs["__init__"] = __init__
    return type(code, (base,), attrs)
