"""A minimal twin for the ASL and dispatch tests: moto with Step Functions executing ASL and Lambda
functions whose deployed code is a stub — the twin's dispatcher runs the Python handler registered under
the function's name."""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile
from collections.abc import Callable
from typing import Any

import boto3

MOTO_CONFIG: Any = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
REGION = "us-east-1"


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


class Peak:
    """How many handlers run at once: ``with peak:`` around each one's work; ``peak.max`` the most."""

    def __init__(self) -> None:
        self.now = self.max = 0
        self._lock = threading.Lock()

    def __enter__(self) -> Peak:
        with self._lock:
            self.now += 1
            self.max = max(self.max, self.now)
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self.now -= 1


class MiniTwin:
    """Lambda handlers by function name (``resolve`` is the dispatcher's lookup; ``asked`` what it was
    asked), state machines made and run from ASL definitions."""

    def __init__(self, **function_config: Any) -> None:
        self.function_config = function_config  # CreateFunction parameters of every function (Timeout, …)
        self.handlers: dict[str, Callable[[Any, Any], Any]] = {}
        self.asked: list[str] = []
        self.sfn = boto3.client("stepfunctions", region_name=REGION)
        self.lam = boto3.client("lambda", region_name=REGION)
        iam = boto3.client("iam", region_name=REGION)
        self.role = iam.create_role(RoleName="twin", AssumeRolePolicyDocument="{}")["Role"]["Arn"]

    def resolve(self, name_or_arn: str) -> Callable[[Any, Any], Any] | None:
        self.asked.append(name_or_arn)
        return self.handlers.get(name_or_arn)

    def function(
        self,
        name: str,
        handler: Callable[[Any, Any], Any] | None,
        env: dict[str, str] | None = None,
        **extra: Any,
    ) -> str:
        if handler is not None:
            self.handlers[name] = handler
        return put_function(self.lam, self.role, name, env, **{**self.function_config, **extra})

    def invoke(self, name: str, event: Any) -> tuple[str | None, Any]:
        response = self.lam.invoke(FunctionName=name, Payload=json.dumps(event).encode())
        return response.get("FunctionError"), json.loads(response["Payload"].read())

    def machine(self, definition: dict[str, Any]) -> str:
        return str(
            self.sfn.create_state_machine(
                name=f"sm-{time.monotonic_ns()}", definition=json.dumps(definition), roleArn=self.role
            )["stateMachineArn"]
        )

    def execute(self, machine_arn: str, payload: Any = None) -> str:
        return str(
            self.sfn.start_execution(stateMachineArn=machine_arn, input=json.dumps(payload or {}))[
                "executionArn"
            ]
        )

    def start(self, definition: dict[str, Any], payload: Any = None) -> str:
        return self.execute(self.machine(definition), payload)

    def wait(self, execution_arn: str, while_running: Callable[[], None] | None = None) -> dict[str, Any]:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            described: dict[str, Any] = self.sfn.describe_execution(executionArn=execution_arn)
            if described["status"] != "RUNNING":
                return described
            if while_running is not None:
                while_running()
            time.sleep(0.005)
        raise AssertionError(f"{execution_arn} still RUNNING")

    def run(self, definition: dict[str, Any], payload: Any = None) -> dict[str, Any]:
        return self.wait(self.start(definition, payload))
