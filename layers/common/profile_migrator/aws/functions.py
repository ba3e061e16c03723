"""Lambda, SSM and Step Functions adapters: probe registry and invocation, execution status, task tokens."""

from __future__ import annotations

import json
import re
from typing import Any

from botocore.exceptions import ClientError

from .session import Account, error_code, paginate

PROBE_PARAMETER_PREFIX = "/profile-migrator/probes/"
_FUNCTION_ARN = re.compile(
    r"^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:[A-Za-z0-9_-]{1,64}(?::[A-Za-z0-9$_-]{1,128})?$"
)


def invoke_json(acct: Account, function: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Invoke synchronously; a function error raises :class:`FunctionError` with its type and message."""
    resp = acct.client("lambda").invoke(
        FunctionName=function, InvocationType="RequestResponse", Payload=json.dumps(payload).encode()
    )
    body = resp["Payload"].read()
    data = json.loads(body) if body else {}
    if resp.get("FunctionError"):
        raise FunctionError(str(data.get("errorType", "Unhandled")), str(data.get("errorMessage", "")))
    return data if isinstance(data, dict) else {"result": data}


class FunctionError(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        self.error_type = error_type
        super().__init__(f"{error_type}: {message}")


def registered_probes(acct: Account) -> dict[str, str]:
    """VPC id -> probe function ARN, from the SSM parameters the probes register (member template) in this
    account. Trust one only for a VPC this account owns, and only when :func:`probe_problem` finds none."""
    ssm = acct.client("ssm")
    out: dict[str, str] = {}
    try:
        params = paginate(
            ssm, "get_parameters_by_path", "Parameters", Path=PROBE_PARAMETER_PREFIX, Recursive=True
        )
    except ClientError as exc:
        if error_code(exc) in ("AccessDeniedException",):
            return out
        raise
    for p in params:
        out[p["Name"].rsplit("/", 1)[-1]] = p["Value"]
    return out


def probe_problem(function_arn: str, owner_id: str, region: str) -> str | None:
    """Why a registered probe must not be trusted (None: it may). A probe proves a VPC resolves privately, so
    only the VPC's owner may provide it: the function must be the owner account's, in the estate's Region (a
    probe of another account could always answer "private" and defeat the proof)."""
    m = _FUNCTION_ARN.match(function_arn)
    if m is None:
        return f"{function_arn!r} is not a Lambda function ARN"
    if m.group(2) != owner_id:
        return f"the probe {function_arn} is a function of account {m.group(2)}, not of the VPC's owner {owner_id}"
    if m.group(1) != region:
        return f"the probe {function_arn} is in region {m.group(1)}, not in the VPC's region {region}"
    return None


def register_probe(acct: Account, vpc_id: str, function_arn: str) -> None:
    acct.client("ssm").put_parameter(
        Name=f"{PROBE_PARAMETER_PREFIX}{vpc_id}", Value=function_arn, Type="String", Overwrite=True
    )


def execution_status(acct: Account, execution_arn: str) -> str:
    try:
        return str(acct.client("stepfunctions").describe_execution(executionArn=execution_arn)["status"])
    except ClientError as exc:
        if error_code(exc) in ("ExecutionDoesNotExist",):
            return "GONE"
        raise


def send_task_success(acct: Account, token: str, output: dict[str, Any]) -> None:
    acct.client("stepfunctions").send_task_success(taskToken=token, output=json.dumps(output))


def send_task_failure(acct: Account, token: str, error: str, cause: str) -> None:
    acct.client("stepfunctions").send_task_failure(taskToken=token, error=error, cause=cause[:32768])


def start_named_execution(
    acct: Account, state_machine_arn: str, name: str, payload: dict[str, Any]
) -> tuple[str, bool]:
    """StartExecution with a deterministic name: ``(execution ARN, started)``.

    Step Functions answers a repeated name with the same input of a running execution with that
    execution, and any other repeat with ``ExecutionAlreadyExists``: both mean "already started"
    (``started`` False in the second case; the ARN is then the one the name gives).
    """
    sfn = acct.client("stepfunctions")
    try:
        arn = sfn.start_execution(stateMachineArn=state_machine_arn, name=name, input=json.dumps(payload))
        return str(arn["executionArn"]), True
    except ClientError as exc:
        if error_code(exc) != "ExecutionAlreadyExists":
            raise
    base = state_machine_arn.replace(":stateMachine:", ":execution:", 1)
    return f"{base}:{name}", False


class LambdaProbes:
    """:class:`..ports.ProbeInvoker` through Lambda's synchronous Invoke. The client is made once, here:
    the gate's workers share it (a client is thread-safe, a session is not)."""

    def __init__(self, acct: Account) -> None:
        self.acct = acct
        acct.client("lambda")

    def invoke(self, function_arn: str, payload: dict[str, Any]) -> dict[str, Any]:
        return invoke_json(self.acct, function_arn, payload)


class StepFunctionsExecutions:
    """:class:`..ports.ExecutionStatus` through Step Functions' DescribeExecution (``GONE``: no such one)."""

    def __init__(self, acct: Account) -> None:
        self.acct = acct

    def status(self, execution_arn: str) -> str:
        return execution_status(self.acct, execution_arn)
