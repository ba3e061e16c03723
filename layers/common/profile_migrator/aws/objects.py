"""S3 adapter: the run's documents (its context, plan and the item files the state machine's maps read).

They live outside the execution state (SF-5: 256 KiB per state input/output): the state carries only
``{bucket, prefix, region}`` and the keys. An object is written once per run and never changed, so a
reader may cache it for the life of its container.
"""

from __future__ import annotations

import json
from typing import Any

from .session import Account


def put_json(acct: Account, bucket: str, key: str, doc: Any) -> int:
    """Write ``doc`` as JSON; returns the bytes stored."""
    body = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()
    acct.client("s3").put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")
    return len(body)


def get_json(acct: Account, bucket: str, key: str) -> Any:
    return json.loads(acct.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
