"""Slack Web API adapter: one JSON POST per method (``chat.postMessage``, ``chat.update``), stdlib only.

The base URL comes from ``SLACK_API_URL`` (default https://slack.com/api). The bot token travels only in
the ``Authorization`` header, and only over HTTPS — plain HTTP is accepted for loopback alone (the twin's
stand-in of the API).
"""

from __future__ import annotations

import ipaddress
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

DEFAULT_API_URL = "https://slack.com/api"
# Slack gives an interaction 3 s (SF-4); a chat call made while answering one must stay well inside.
TIMEOUT_SECONDS = 2.0


class SlackError(Exception):
    """The Web API answered ``ok: false`` (the message is Slack's error code) or could not be reached."""


def api_url() -> str:
    return os.environ.get("SLACK_API_URL") or DEFAULT_API_URL


def _check_transport(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        return
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if parts.scheme != "http" or not loopback:
        raise SlackError(f"refusing to send the bot token to {parts.scheme}://{host}: HTTPS only")


def call(
    method: str,
    token: str,
    body: dict[str, Any],
    *,
    base_url: str | None = None,
    timeout: float = TIMEOUT_SECONDS,
) -> dict[str, Any]:
    """POST ``body`` as JSON to ``<base>/<method>``; the parsed answer, or :class:`SlackError`."""
    url = f"{(base_url or api_url()).rstrip('/')}/{method}"
    _check_transport(url)
    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            answer = json.loads(resp.read().decode("utf-8"))
    except (urllib.error.URLError, TimeoutError, ValueError) as exc:
        raise SlackError(f"{method}: {type(exc).__name__}: {exc}") from None
    if not isinstance(answer, dict) or not answer.get("ok"):
        raise SlackError(
            f"{method}: {answer.get('error', 'not ok') if isinstance(answer, dict) else 'bad answer'}"
        )
    return answer
