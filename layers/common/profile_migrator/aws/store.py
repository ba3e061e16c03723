"""DynamoDB adapter: the table of per-endpoint locks, the run's audit trail and pending approvals.

One table, ``pk``/``sk`` string keys: ``lock#<endpoint id>``/``lock``, ``run#<execution>``/``step#<n>#<action>``,
``approval#<id>``/``approval``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from ..ports import ConditionFailed, Doc
from .session import Account, error_code

__all__ = ["Condition", "ConditionFailed", "DynamoRunStore"]

#: The table's TimeToLiveSpecification attribute (template.yaml): a doc with a numeric ``ttl`` (epoch
#: seconds) is written with that Number attribute too, and DynamoDB deletes the item some time after it.
TTL_ATTRIBUTE = "ttl"


def _ttl(doc: dict[str, Any]) -> dict[str, str] | None:
    v = doc.get(TTL_ATTRIBUTE)
    return {"N": str(int(v))} if isinstance(v, int | float) and not isinstance(v, bool) else None


def _ddb(acct: Account) -> Any:
    return acct.client("dynamodb")


def _s(v: str) -> dict[str, str]:
    return {"S": v}


@dataclass(frozen=True)
class Condition:
    """A write's ``ConditionExpression`` with its ``#name`` and ``:value`` placeholders (string values)."""

    expression: str
    names: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, str] = field(default_factory=dict)

    def params(self) -> dict[str, Any]:
        """The request parameters that carry the condition."""
        out: dict[str, Any] = {"ConditionExpression": self.expression}
        if self.names:
            out["ExpressionAttributeNames"] = dict(self.names)
        if self.values:
            out["ExpressionAttributeValues"] = {k: _s(v) for k, v in self.values.items()}
        return out


def put_json(acct: Account, table: str, pk: str, sk: str, doc: Doc, when: Condition | None = None) -> None:
    """PutItem; raises :class:`ConditionFailed` when ``when`` fails."""
    item = {"pk": _s(pk), "sk": _s(sk), **_attributes(doc)}
    kwargs: dict[str, Any] = {"TableName": table, "Item": item, **(when.params() if when else {})}
    _conditional(pk, lambda: _ddb(acct).put_item(**kwargs))


def _attributes(doc: dict[str, Any]) -> dict[str, dict[str, str]]:
    """An item's typed attributes: the JSON document, the fields conditions read (execution, status) and
    the ``ttl`` Number when the doc has one."""
    attrs = {"doc": _s(json.dumps(doc, sort_keys=True))}
    attrs.update(
        {
            k: _s(v)
            for k, v in doc.items()
            if isinstance(v, str) and k in ("execution", "execution_arn", "status")
        }
    )
    if (ttl := _ttl(doc)) is not None:
        attrs[TTL_ATTRIBUTE] = ttl
    return attrs


def _conditional(pk: str, write: Callable[[], object]) -> None:
    """Run a conditional ``write``; a failed condition is :class:`ConditionFailed`."""
    try:
        write()
    except ClientError as exc:
        if error_code(exc) == "ConditionalCheckFailedException":
            raise ConditionFailed(pk) from None
        raise


def get_json(acct: Account, table: str, pk: str, sk: str) -> dict[str, Any] | None:
    resp = _ddb(acct).get_item(TableName=table, Key={"pk": _s(pk), "sk": _s(sk)}, ConsistentRead=True)
    item = resp.get("Item")
    return json.loads(item["doc"]["S"]) if item else None


def delete(acct: Account, table: str, pk: str, sk: str, when: Condition | None = None) -> bool:
    """Delete (conditionally); False when the condition failed or the item was not there."""
    return _delete(acct, table, pk, sk, when) is not None


def _delete(acct: Account, table: str, pk: str, sk: str, when: Condition | None) -> dict[str, Any] | None:
    """The deleted item's attributes; None when the condition failed or there was no item."""
    kwargs: dict[str, Any] = {
        "TableName": table,
        "Key": {"pk": _s(pk), "sk": _s(sk)},
        "ReturnValues": "ALL_OLD",
        **(when.params() if when else {}),
    }
    try:
        resp = _ddb(acct).delete_item(**kwargs)
    except ClientError as exc:
        if error_code(exc) == "ConditionalCheckFailedException":
            return None
        raise
    return resp.get("Attributes") or None


def _items(call: Callable[..., dict[str, Any]], **params: Any) -> Iterator[dict[str, Any]]:
    """Every item of a paginated Query or Scan (consistent reads), page after page."""
    params["ConsistentRead"] = True
    while True:
        resp = call(**params)
        yield from resp.get("Items", [])
        if "LastEvaluatedKey" not in resp:
            return
        params["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


def query_json(acct: Account, table: str, pk: str) -> list[dict[str, Any]]:
    items = _items(
        _ddb(acct).query,
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": _s(pk)},
    )
    return [json.loads(i["doc"]["S"]) for i in items]


def scan_prefix(acct: Account, table: str, prefix: str) -> list[tuple[str, dict[str, Any]]]:
    """(pk, doc) of every item whose pk starts with ``prefix`` (small item sets: approvals)."""
    items = _items(
        _ddb(acct).scan,
        TableName=table,
        FilterExpression="begins_with(pk, :p)",
        ExpressionAttributeValues={":p": _s(prefix)},
    )
    return [(i["pk"]["S"], json.loads(i["doc"]["S"])) for i in items]


def take_json(acct: Account, table: str, pk: str, sk: str, when: Condition) -> dict[str, Any] | None:
    """Delete conditionally and return the deleted doc: whoever gets the doc consumed it, exactly once.
    None when the condition failed or the item was not there."""
    item = _delete(acct, table, pk, sk, when)
    return json.loads(item["doc"]["S"]) if item else None


def upsert_json(acct: Account, table: str, pk: str, sk: str, doc: Doc, when: Condition | None = None) -> None:
    """Write the item through UpdateItem (same attributes as :func:`put_json`) — for roles that may update
    items but not put them. Raises :class:`ConditionFailed` when ``when`` fails."""
    attrs = _attributes(doc)
    names = {f"#a{i}": k for i, k in enumerate(attrs)}
    values = {f":a{i}": v for i, v in enumerate(attrs.values())}
    params = when.params() if when else {}
    kwargs: dict[str, Any] = {
        "TableName": table,
        "Key": {"pk": _s(pk), "sk": _s(sk)},
        "UpdateExpression": "SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(attrs))),
        **params,
        "ExpressionAttributeNames": {**names, **params.get("ExpressionAttributeNames", {})},
        "ExpressionAttributeValues": {**values, **params.get("ExpressionAttributeValues", {})},
    }
    _conditional(pk, lambda: _ddb(acct).update_item(**kwargs))


class DynamoRunStore:
    """:class:`..ports.RunStore` on the run table."""

    def __init__(self, acct: Account, table: str) -> None:
        self.acct, self.table = acct, table

    @staticmethod
    def _condition(held_by: str | None, or_absent: bool) -> Condition | None:
        if held_by is None:
            return Condition("attribute_not_exists(pk)") if or_absent else None
        held = "execution = :e"
        return Condition(f"attribute_not_exists(pk) OR {held}" if or_absent else held, values={":e": held_by})

    def put(self, pk: str, sk: str, doc: Doc, *, held_by: str | None = None, or_absent: bool = False) -> None:
        put_json(self.acct, self.table, pk, sk, doc, self._condition(held_by, or_absent))

    def get(self, pk: str, sk: str) -> dict[str, Any] | None:
        return get_json(self.acct, self.table, pk, sk)

    def delete(self, pk: str, sk: str, *, held_by: str | None = None) -> None:
        delete(self.acct, self.table, pk, sk, self._condition(held_by, False))

    def items(self, pk: str) -> list[dict[str, Any]]:
        return query_json(self.acct, self.table, pk)
