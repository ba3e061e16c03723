"""The orchestration's ports: what :mod:`.runtime` needs from AWS to take locks and count probe gates,
as small protocols. The adapters (:mod:`.aws.store`, :mod:`.aws.functions`) implement them against
DynamoDB, Lambda and Step Functions; unit tests give in-memory fakes (the testable serverless layout).

Pure (no boto3): the vocabulary of the ports only.
"""

from __future__ import annotations

from typing import Any, Protocol

Doc = dict[str, Any]  # an item's JSON document


class ConditionFailed(Exception):
    """A conditional write lost (someone else holds the item)."""


class RunStore(Protocol):
    """The run table: items by (pk, sk), each a JSON document. A conditional write or delete names the
    execution that must hold the item (``held_by``), optionally allowing no item at all
    (``or_absent``); when the condition does not hold it raises :class:`ConditionFailed`."""

    def put(self, pk: str, sk: str, doc: Doc, *, held_by: str | None = None, or_absent: bool = False) -> None:
        """Write the item; conditional when ``held_by`` or ``or_absent`` is given."""

    def get(self, pk: str, sk: str) -> dict[str, Any] | None: ...

    def delete(self, pk: str, sk: str, *, held_by: str | None = None) -> None: ...

    def items(self, pk: str) -> list[dict[str, Any]]:
        """Every item's document under ``pk`` (an execution's audit trail)."""
        ...


class ExecutionStatus(Protocol):
    """Step Functions: an execution's status (``RUNNING``, ``SUCCEEDED``, ``FAILED``, ``ABORTED``, …)."""

    def status(self, execution_arn: str) -> str: ...


class ChangePoller(Protocol):
    """AWS: the state of recorded asynchronous changes (``settled``, ``pending``, ``failed``)."""

    def poll(self, waits: list[dict[str, Any]]) -> str: ...


class ProbeInvoker(Protocol):
    """Lambda: invoke a VPC's probe function with a JSON payload, its JSON answer."""

    def invoke(self, function_arn: str, payload: dict[str, Any]) -> dict[str, Any]: ...
