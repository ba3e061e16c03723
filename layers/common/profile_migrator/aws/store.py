"""DynamoDB adapter: the table of per-endpoint locks, the run's audit trail and pending approvals.

One table, ``pk``/``sk`` string keys: ``lock#<endpoint id>``/``lock``, ``run#<execution>``/``step#<n>#<action>``,
``approval#<id>``/``approval``.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from .session import Account, error_code


class ConditionFailed(Exception):
    """A conditional write lost (someone else holds the item)."""


def _ddb(acct: Account) -> Any:
    return acct.client("dynamodb")


def _s(v: str) -> dict[str, str]:
    return {"S": v}


def put_json(acct: Account, table: str, pk: str, sk: str, doc: dict[str, Any], *,
             condition: str | None = None, values: dict[str, Any] | None = None) -> None:
    item = {"pk": _s(pk), "sk": _s(sk), "doc": _s(json.dumps(doc, sort_keys=True))}
    for k, v in doc.items():
        if isinstance(v, str) and k in ("execution", "execution_arn", "status"):
            item[k] = _s(v)
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


def delete(acct: Account, table: str, pk: str, sk: str, *, condition: str | None = None,
           values: dict[str, Any] | None = None) -> bool:
    """Delete (conditionally); False when the condition failed or the item was not there."""
    kwargs: dict[str, Any] = {"TableName": table, "Key": {"pk": _s(pk), "sk": _s(sk)}, "ReturnValues": "ALL_OLD"}
    if condition:
        kwargs["ConditionExpression"] = condition
    if values:
        kwargs["ExpressionAttributeValues"] = {k: _s(v) for k, v in values.items()}
    try:
        resp = _ddb(acct).delete_item(**kwargs)
    except ClientError as exc:
        if error_code(exc) == "ConditionalCheckFailedException":
            return False
        raise
    return bool(resp.get("Attributes"))


def query_json(acct: Account, table: str, pk: str) -> list[dict[str, Any]]:
    ddb = _ddb(acct)
    out: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table, "KeyConditionExpression": "pk = :pk",
                              "ExpressionAttributeValues": {":pk": _s(pk)}, "ConsistentRead": True}
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
    kwargs: dict[str, Any] = {"TableName": table, "FilterExpression": "begins_with(pk, :p)",
                              "ExpressionAttributeValues": {":p": _s(prefix)}, "ConsistentRead": True}
    while True:
        resp = ddb.scan(**kwargs)
        out.extend((i["pk"]["S"], json.loads(i["doc"]["S"])) for i in resp.get("Items", []))
        if "LastEvaluatedKey" not in resp:
            return out
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
