"""DynamoDB adapter: the table of per-endpoint locks, the run's audit trail and pending approvals.

One table, ``pk``/``sk`` string keys: ``lock#<endpoint id>``/``lock``, ``run#<execution>``/``step#<n>#<action>``,
``approval#<id>``/``approval``.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from .session import Account, error_code

#: The table's TimeToLiveSpecification attribute (template.yaml): a doc with a numeric ``ttl`` (epoch
#: seconds) is written with that Number attribute too, and DynamoDB deletes the item some time after it.
TTL_ATTRIBUTE = "ttl"


def _ttl(doc: dict[str, Any]) -> dict[str, str] | None:
    v = doc.get(TTL_ATTRIBUTE)
    return {"N": str(int(v))} if isinstance(v, int | float) and not isinstance(v, bool) else None


class ConditionFailed(Exception):
    """A conditional write lost (someone else holds the item)."""


def _ddb(acct: Account) -> Any:
    return acct.client("dynamodb")


def _s(v: str) -> dict[str, str]:
    return {"S": v}


def put_json(
    acct: Account,
    table: str,
    pk: str,
    sk: str,
    doc: dict[str, Any],
    *,
    condition: str | None = None,
    values: dict[str, Any] | None = None,
) -> None:
    item = {"pk": _s(pk), "sk": _s(sk), "doc": _s(json.dumps(doc, sort_keys=True))}
    for k, v in doc.items():
        if isinstance(v, str) and k in ("execution", "execution_arn", "status"):
            item[k] = _s(v)
    if (ttl := _ttl(doc)) is not None:
        item[TTL_ATTRIBUTE] = ttl
    kwargs: dict[str, Any] = {"TableName": table, "Item": item}
    if condition:
        kwargs["ConditionExpression"] = condition
    if values:
        kwargs["ExpressionAttributeValues"] = {k: _s(v) for k, v in values.items()}
    try:
        _ddb(acct).put_item(**kwargs)
    except ClientError as exc:
        if error_code(exc) == "ConditionalCheckFailedException":
            raise ConditionFailed(pk) from None
        raise


def get_json(acct: Account, table: str, pk: str, sk: str) -> dict[str, Any] | None:
    resp = _ddb(acct).get_item(TableName=table, Key={"pk": _s(pk), "sk": _s(sk)}, ConsistentRead=True)
    item = resp.get("Item")
    return json.loads(item["doc"]["S"]) if item else None


def delete(
    acct: Account,
    table: str,
    pk: str,
    sk: str,
    *,
    condition: str | None = None,
    values: dict[str, Any] | None = None,
) -> bool:
    """Delete (conditionally); False when the condition failed or the item was not there."""
    return _delete(acct, table, pk, sk, condition, None, values) is not None


def _delete(
    acct: Account,
    table: str,
    pk: str,
    sk: str,
    condition: str | None,
    names: dict[str, str] | None,
    values: dict[str, Any] | None,
) -> dict[str, Any] | None:
    """The deleted item's attributes; None when the condition failed or there was no item."""
    kwargs: dict[str, Any] = {
        "TableName": table,
        "Key": {"pk": _s(pk), "sk": _s(sk)},
        "ReturnValues": "ALL_OLD",
    }
    if condition:
        kwargs["ConditionExpression"] = condition
    if names:
        kwargs["ExpressionAttributeNames"] = names
    if values:
        kwargs["ExpressionAttributeValues"] = {k: _s(v) for k, v in values.items()}
    try:
        resp = _ddb(acct).delete_item(**kwargs)
    except ClientError as exc:
        if error_code(exc) == "ConditionalCheckFailedException":
            return None
        raise
    return resp.get("Attributes") or None


def query_json(acct: Account, table: str, pk: str) -> list[dict[str, Any]]:
    ddb = _ddb(acct)
    out: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": _s(pk)},
        "ConsistentRead": True,
    }
    while True:
        resp = ddb.query(**kwargs)
        out.extend(json.loads(i["doc"]["S"]) for i in resp.get("Items", []))
        if "LastEvaluatedKey" not in resp:
            return out
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


def scan_prefix(acct: Account, table: str, prefix: str) -> list[tuple[str, dict[str, Any]]]:
    """(pk, doc) of every item whose pk starts with ``prefix`` (small item sets: approvals)."""
    ddb = _ddb(acct)
    out: list[tuple[str, dict[str, Any]]] = []
    kwargs: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": "begins_with(pk, :p)",
        "ExpressionAttributeValues": {":p": _s(prefix)},
        "ConsistentRead": True,
    }
    while True:
        resp = ddb.scan(**kwargs)
        out.extend((i["pk"]["S"], json.loads(i["doc"]["S"])) for i in resp.get("Items", []))
        if "LastEvaluatedKey" not in resp:
            return out
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


def take_json(
    acct: Account,
    table: str,
    pk: str,
    sk: str,
    *,
    condition: str,
    names: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """Delete conditionally and return the deleted doc: whoever gets the doc consumed it, exactly once.
    None when the condition failed or the item was not there."""
    item = _delete(acct, table, pk, sk, condition, names, values)
    return json.loads(item["doc"]["S"]) if item else None


def upsert_json(
    acct: Account,
    table: str,
    pk: str,
    sk: str,
    doc: dict[str, Any],
    *,
    condition: str | None = None,
    names: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
) -> None:
    """Write the item through UpdateItem (same attributes as :func:`put_json`) — for roles that may update
    items but not put them. Raises :class:`ConditionFailed` when ``condition`` fails."""
    attrs = {"doc": json.dumps(doc, sort_keys=True)}
    attrs.update(
        {k: v for k, v in doc.items() if isinstance(v, str) and k in ("execution", "execution_arn", "status")}
    )
    typed: dict[str, dict[str, str]] = {k: _s(v) for k, v in attrs.items()}
    if (ttl := _ttl(doc)) is not None:
        typed[TTL_ATTRIBUTE] = ttl
    all_names = {f"#a{i}": k for i, k in enumerate(typed)}
    all_values: dict[str, Any] = {f":a{i}": v for i, v in enumerate(typed.values())}
    all_names.update(names or {})
    all_values.update({k: _s(v) for k, v in (values or {}).items()})
    kwargs: dict[str, Any] = {
        "TableName": table,
        "Key": {"pk": _s(pk), "sk": _s(sk)},
        "UpdateExpression": "SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(typed))),
        "ExpressionAttributeNames": all_names,
        "ExpressionAttributeValues": all_values,
    }
    if condition:
        kwargs["ConditionExpression"] = condition
    try:
        _ddb(acct).update_item(**kwargs)
    except ClientError as exc:
        if error_code(exc) == "ConditionalCheckFailedException":
            raise ConditionFailed(pk) from None
        raise
