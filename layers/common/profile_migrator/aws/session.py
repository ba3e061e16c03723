"""One place that makes boto3 clients: retries, regions, cross-account roles (CP-9).

Every AWS call of the project goes through the adapters of this package, which get their clients
here — no boto3 boilerplate elsewhere. ``AWS_ENDPOINT_URL`` (honoured by boto3) points every client
at the local twin.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

# Throttling (RL-1, RL-2) and PriorRequestNotComplete (CP-5) are retried by botocore's standard mode
# with exponential backoff and jitter; the state machine retries on top of this.
RETRY_CONFIG = Config(retries={"mode": "standard", "max_attempts": 8}, connect_timeout=5, read_timeout=30)

_ROUTE53_REGION = "us-east-1"  # Route 53 is global; its API lives in us-east-1


@dataclass
class Account:
    """Clients for one AWS account (and region), made lazily and reused."""

    session: boto3.session.Session
    region: str
    account_id: str | None = None
    _clients: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, service: str) -> Any:
        with self._lock:
            c = self._clients.get(service)
            if c is None:
                region = _ROUTE53_REGION if service == "route53" else self.region
                c = self.session.client(service, region_name=region, config=RETRY_CONFIG)
                self._clients[service] = c
            return c

    def id(self) -> str:
        if self.account_id is None:
            self.account_id = self.client("sts").get_caller_identity()["Account"]
        return self.account_id


def default_account(region: str) -> Account:
    return Account(boto3.session.Session(region_name=region), region)


def assume_role(base: Account, role_arn: str, session_name: str = "profile-migrator") -> Account:
    """An :class:`Account` acting through ``role_arn`` (another account's role, CP-9)."""
    creds = base.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=session_name[:64])["Credentials"]
    session = boto3.session.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=base.region,
    )
    return Account(session, base.region, account_id=role_arn.split(":")[4])


def paginate(client: Any, operation: str, key: str, **kwargs: Any) -> list[Any]:
    """All items of a paginated list operation (``key`` is the list in each page)."""
    if client.can_paginate(operation):
        out: list[Any] = []
        for page in client.get_paginator(operation).paginate(**kwargs):
            out.extend(page.get(key, []))
        return out
    return list(getattr(client, operation)(**kwargs).get(key, []))


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError ('' for anything else)."""
    resp = getattr(exc, "response", None)
    if isinstance(resp, dict):
        return str(resp.get("Error", {}).get("Code", ""))
    return ""
