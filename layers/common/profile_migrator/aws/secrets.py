"""Secrets Manager adapter through Powertools parameters (cached, ``max_age`` seconds).

One Powertools provider per (region, access key): a provider's client is bound to the credentials it
was made with, so an account's secrets are read with that account's credentials.
"""

from __future__ import annotations

import threading

from aws_lambda_powertools.utilities.parameters import SecretsProvider

from .session import Account

_lock = threading.Lock()
_providers: dict[tuple[str, str], SecretsProvider] = {}


def get_secret(acct: Account, name: str, *, max_age: int = 300) -> str:
    """The secret's string value (a warm function reads it at most once per ``max_age`` seconds)."""
    key = (acct.region, (acct.credentials or {}).get("aws_access_key_id", ""))
    with _lock:
        provider = _providers.get(key)
        if provider is None:
            provider = SecretsProvider(boto3_client=acct.client("secretsmanager"))
            _providers[key] = provider
    value = provider.get(name, max_age=max_age)
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def forget() -> None:
    """Drop cached values and providers (a new twin, a test, a rotated secret)."""
    with _lock:
        for provider in _providers.values():
            provider.clear_cache()  # type: ignore[no-untyped-call]  # Powertools: BaseProvider.clear_cache is unannotated
        _providers.clear()
