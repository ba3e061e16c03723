"""A Lambda function whose deployed code is a stub: the twin's dispatcher runs the Python handler the test
registers under its name (shared by the ASL clock and dispatch tests)."""

from __future__ import annotations

import io
import zipfile
from typing import Any


def put_function(lam: Any, role: str, name: str, env: dict[str, str] | None = None, **extra: Any) -> str:
    """Create the function (or, when the module's moto already has it, set its environment); its ARN."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return event\n")
    variables = {"Variables": env or {}}
    try:
        lam.create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=role,
            Handler="app.handler",
            Code={"ZipFile": buf.getvalue()},
            Environment=variables,
            **extra,
        )
    except lam.exceptions.ResourceConflictException:  # the module shares one moto
        lam.update_function_configuration(FunctionName=name, Environment=variables)
    return str(lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"])
