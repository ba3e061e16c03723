"""One place that makes boto3 clients: retries, regions, cross-account roles (CP-9).

Every AWS call of the project goes through the adapters of this package, which get their clients
here — no boto3 boilerplate elsewhere. ``AWS_ENDPOINT_URL`` (honoured by boto3) points every client
at the local twin.
"""

from __future__ import annotations

import os
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

# Throttling (RL-1, RL-2) and PriorRequestNotComplete (CP-5) are retried by botocore's standard mode
# with exponential backoff and jitter; the state machine retries on top of this.
# A client is shared by a gate's concurrent probe invocations (runtime.probe_vpcs): one connection each.
RETRY_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 8},
    connect_timeout=5,
    read_timeout=30,
    max_pool_connections=64,
)

_ROUTE53_REGION = "us-east-1"  # Route 53 is global; its API lives in us-east-1


_shared_lock = threading.Lock()
_shared: boto3.session.Session | None = None


def shared_session() -> boto3.session.Session:
    """One boto3 session per process: service models are loaded once, not per client."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = boto3.session.Session()
        return _shared


@dataclass
class Account:
    """Clients for one AWS account (and region), made lazily and reused.

    ``credentials`` (access key, secret, token) are an assumed role's; None uses the default chain.
    """

    session: boto3.session.Session
    region: str
    account_id: str | None = None
    credentials: dict[str, str] | None = None
    _clients: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, service: str) -> Any:
        """The account's client for ``service``, made once (a client is thread-safe, a session is not)."""
        with self._lock:
            c = self._clients.get(service)
            if c is None:
                region = _ROUTE53_REGION if service == "route53" else self.region
                c = self.session.client(
                    service, region_name=region, config=RETRY_CONFIG, **self._client_args()
                )
                self._clients[service] = c
            return c

    def _client_args(self) -> dict[str, Any]:
        return dict(self.credentials or {})

    def id(self) -> str:
        if self.account_id is None:
            self.account_id = self.client("sts").get_caller_identity()["Account"]
        return self.account_id

    def access_key(self) -> tuple[str, str, str | None]:
        if self.credentials:
            c = self.credentials
            return c["aws_access_key_id"], c["aws_secret_access_key"], c.get("aws_session_token")
        creds = self.session.get_credentials()
        return creds.access_key, creds.secret_key, creds.token


#: The current invocation's role credentials when one process hosts many functions (the local twin runs
#: every handler in one process, each with its own role); unset on Lambda, where the environment has them.
invocation_credentials: ContextVar[dict[str, str] | None] = ContextVar("invocation_credentials", default=None)


def default_account(region: str) -> Account:
    """The function's own account: credentials from the environment, as Lambda provides them, read now
    (the shared session must not pin the first caller's credentials)."""
    own = invocation_credentials.get()
    if own is not None:
        return Account(shared_session(), region, credentials=dict(own))
    env = os.environ
    creds = None
    if env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
        creds = {
            "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
            "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
        }
        if env.get("AWS_SESSION_TOKEN"):
            creds["aws_session_token"] = env["AWS_SESSION_TOKEN"]
    return Account(shared_session(), region, credentials=creds)


def stack_region() -> str:
    """The Region the stack (and so this function) runs in: where the tool's own resources are -- the run
    table, the run bucket, the topics, the secrets, the state machine. The estate's Region (the execution
    input's ``region``) is for the estate's AWS calls only."""
    env = os.environ
    return env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"


def tool_account() -> Account:
    """The function's own account in the stack's Region: the client of the tool's own resources."""
    return default_account(stack_region())


# Assumed-role accounts are reused while their credentials are fresh (a warm Lambda does the same), per
# caller: a role assumed by one principal is not lent to another.
_ROLE_CACHE: dict[tuple[str, str, str], tuple[float, Account]] = {}
_ROLE_TTL = 45 * 60


def assume_role(base: Account, role_arn: str, session_name: str = "profile-migrator") -> Account:
    """An :class:`Account` acting through ``role_arn`` (another account's role, CP-9)."""
    key = (role_arn, base.region, (base.credentials or {}).get("aws_access_key_id", ""))
    now = time.monotonic()
    with _shared_lock:
        hit = _ROLE_CACHE.get(key)
    if hit is not None and now - hit[0] < _ROLE_TTL:
        return hit[1]
    creds = base.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=session_name[:64])["Credentials"]
    acct = Account(
        shared_session(),
        base.region,
        account_id=role_arn.split(":")[4],
        credentials={
            "aws_access_key_id": creds["AccessKeyId"],
            "aws_secret_access_key": creds["SecretAccessKey"],
            "aws_session_token": creds["SessionToken"],
        },
    )
    with _shared_lock:
        _ROLE_CACHE[key] = (now, acct)
    return acct


def forget_roles() -> None:
    """Drop cached role credentials (a new twin, a test)."""
    with _shared_lock:
        _ROLE_CACHE.clear()


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


# -- The operator's own credentials (CLI) ------------------------------------------------------------------


@dataclass
class EndpointAccount(Account):
    """An :class:`Account` whose clients talk to ``endpoint_url`` (a local twin, or a VPC interface
    endpoint's URL) instead of the public AWS endpoints."""

    endpoint_url: str | None = None

    def _client_args(self) -> dict[str, Any]:
        return {**super()._client_args(), "endpoint_url": self.endpoint_url}


def operator_account(
    region: str | None = None,
    profile: str | None = None,
    endpoint_url: str | None = None,
    credentials: dict[str, str] | None = None,
) -> Account:
    """The person's account for the CLI: a named profile of ``~/.aws`` (or the default chain), or explicit
    ``credentials`` (``aws_access_key_id``, ``aws_secret_access_key``[, ``aws_session_token``]); the
    region given, else the profile's; ``endpoint_url`` sends every call there (the twin)."""
    session = boto3.session.Session(profile_name=profile)
    region = region or session.region_name
    if not region:
        raise ValueError("no AWS region: pass --region or set one in the profile / AWS_REGION")
    if endpoint_url:
        return EndpointAccount(session, region, credentials=credentials, endpoint_url=endpoint_url)
    return Account(session, region, credentials=credentials)
