"""The twin's approvers: approvals go through the project's real path (scenario-format.md "Approvals in
the twin") — the request function posts to the Slack stand-in (:mod:`twin.slack`); a person "clicks" a
button: the approver builds the ``block_actions`` payload Slack would send, signs it with the twin's signing
secret (SF-4) and invokes the real callback function (``ApprovalCallbackFunction``, through the dispatcher)
with an API Gateway HTTP API v2 event. The callback verifies, consumes the approval once and answers the
task token.

* :class:`SlackApprover` answers per the scenario's ``twin.approver`` (``approve`` / ``reject`` /
  ``ignore`` — nobody answers: the approval times out and the execution rolls back), with ``at: <action>``
  applying the answer to the first approval of that action only (every other one is approved).
* :class:`TerminalApprover` asks a person on the terminal (``rehearse --approve ask``).

Both: ``Approver(twin, deployment, answer, at)``, ``start()`` (after :func:`twin.deploy.deploy`),
``stop()``, and ``log`` = ``[{"action", "answer": "approved" | "rejected" | "timed_out"}]``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import sys
import threading
import time
import urllib.parse
import uuid
from typing import Any, TextIO

from profile_migrator.approvals import DEFAULT_BOT_TOKEN_NAME, DEFAULT_SIGNING_SECRET_NAME, EVENT_TYPE
from profile_migrator.aws import functions as fn_adapter
from profile_migrator.aws import secrets as secrets_adapter

from twin.clock import get_clock
from twin.core import Twin
from twin.deploy import Deployment
from twin.slack import Message, SlackStandIn

REQUEST_FUNCTION = "ApprovalRequestFunction"
CALLBACK_FUNCTION = "ApprovalCallbackFunction"
TWIN_APPROVER = "U0TWINAPPROVER"  # the Slack user id of the twin's approver (the only one allowed)
TWIN_CHANNEL = "C0TWINAPPROVALS"
TWIN_TEAM = "T0TWIN"
TWIN_APP = "A0TWIN"
TWIN_TOPIC = "profile-migrator-approvals"


# -- What Slack sends when someone clicks a button ---------------------------------------------------------


def interaction_payload(
    msg: Message, button: str, user_id: str, user_name: str = "twin-approver"
) -> dict[str, Any]:
    """The ``block_actions`` payload of a click on ``button`` (``approve`` / ``reject``) of ``msg``."""
    element = next(
        (
            e
            for b in msg.blocks
            if b.get("type") == "actions"
            for e in b.get("elements", [])
            if e.get("action_id") == button
        ),
        None,
    )
    if element is None:
        raise ValueError(f"message {msg.ts} has no {button!r} button")
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": TWIN_TEAM},
        "api_app_id": TWIN_APP,
        "team": {"id": TWIN_TEAM, "domain": "twin"},
        "container": {
            "type": "message",
            "message_ts": msg.ts,
            "channel_id": msg.channel,
            "is_ephemeral": False,
        },
        "trigger_id": f"{int(time.time())}.{uuid.uuid4().hex[:12]}",
        "channel": {"id": msg.channel, "name": "approvals"},
        "message": {"type": "message", "ts": msg.ts, "text": msg.text, "blocks": msg.blocks},
        "response_url": "https://hooks.slack.com/actions/T0TWIN/unused",
        "actions": [
            {
                "type": "button",
                "action_id": button,
                "block_id": "approval",
                "value": element["value"],
                "text": element.get("text", {}),
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def form_body(payload: dict[str, Any]) -> str:
    """Slack's interaction body: ``application/x-www-form-urlencoded`` with one ``payload`` field."""
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def sign(signing_secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack signs a request with (SF-4)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(signing_secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"x-slack-request-timestamp": ts, "x-slack-signature": f"v0={digest}"}


def http_api_event(body: str, headers: dict[str, str], path: str = "/slack/interactions") -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event for ``POST path`` (body base64-encoded, as HTTP APIs
    deliver form bodies; header names lower-case)."""
    now = time.time()
    hdrs = {
        "content-type": "application/x-www-form-urlencoded",
        "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        "host": "twin.execute-api.localhost",
        **{k.lower(): v for k, v in headers.items()},
    }
    return {
        "version": "2.0",
        "routeKey": f"POST {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": hdrs,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "twin",
            "domainName": hdrs["host"],
            "domainPrefix": "twin",
            "http": {
                "method": "POST",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": hdrs["user-agent"],
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": f"POST {path}",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "body": base64.b64encode(body.encode()).decode(),
        "isBase64Encoded": True,
    }


# -- The approvers -----------------------------------------------------------------------------------------


class SlackApprover:
    """Answers each posted approval message per ``answer`` / ``at`` through the signed callback."""

    def __init__(
        self,
        tw: Twin,
        dep: Deployment,
        answer: str = "approve",
        at: str | None = None,
        *,
        user_id: str = TWIN_APPROVER,
    ) -> None:
        if CALLBACK_FUNCTION not in dep.functions or REQUEST_FUNCTION not in dep.functions:
            raise RuntimeError(f"template.yaml must define {REQUEST_FUNCTION} and {CALLBACK_FUNCTION}")
        self.tw, self.dep, self.answer, self.at, self.user_id = tw, dep, answer, at, user_id
        self.acct = tw.accounts()[dep.account]
        self.signing_secret = os.urandom(24).hex()
        self.slack = SlackStandIn(bot_token=f"xoxb-twin-{os.urandom(12).hex()}")
        self.log: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []  # callbacks that did not answer 200 (should stay empty)
        self.topic_arn = ""
        self._used_at = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="twin-approver", daemon=True)

    # -- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> SlackApprover:
        """Secrets, topic and the Slack stand-in in the twin; the two functions pointed at them."""
        lam = self.acct.client("lambda")
        req_env = self._env(REQUEST_FUNCTION)
        cb_env = self._env(CALLBACK_FUNCTION)
        bot_name = (
            req_env.get("SLACK_BOT_TOKEN_NAME")
            or cb_env.get("SLACK_BOT_TOKEN_NAME")
            or DEFAULT_BOT_TOKEN_NAME
        )
        signing_name = cb_env.get("SLACK_SIGNING_SECRET_NAME") or DEFAULT_SIGNING_SECRET_NAME
        self._put_secret(bot_name, self.slack.bot_token)
        self._put_secret(signing_name, self.signing_secret)
        self.topic_arn = self.acct.client("sns").create_topic(Name=TWIN_TOPIC)["TopicArn"]
        self.slack.start()
        channel = req_env.get("SLACK_CHANNEL") or TWIN_CHANNEL
        common = {"SLACK_API_URL": self.slack.url, "SLACK_CHANNEL": channel, "SLACK_BOT_TOKEN_NAME": bot_name}
        for name, env, extra in (
            (REQUEST_FUNCTION, req_env, {"APPROVAL_TOPIC_ARN": self.topic_arn}),
            (
                CALLBACK_FUNCTION,
                cb_env,
                {
                    "SLACK_SIGNING_SECRET_NAME": signing_name,
                    "APPROVER_ALLOW_LIST": self.user_id,
                    "SLACK_TEAM_ID": TWIN_TEAM,  # the callback checks the workspace and the app too
                    "SLACK_APP_ID": TWIN_APP,
                },
            ),
        ):
            lam.update_function_configuration(
                FunctionName=name, Environment={"Variables": {**env, **common, **extra}}
            )
        secrets_adapter.forget()  # values cached from an earlier twin mean nothing here
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self.slack.stop()

    def _env(self, function: str) -> dict[str, str]:
        conf = self.acct.client("lambda").get_function_configuration(FunctionName=function)
        return dict(conf.get("Environment", {}).get("Variables", {}))

    def _put_secret(self, name: str, value: str) -> None:
        sm = self.acct.client("secretsmanager")
        try:
            sm.create_secret(Name=name, SecretString=value)
        except sm.exceptions.ResourceExistsException:
            sm.put_secret_value(SecretId=name, SecretString=value)

    # -- clicking ----------------------------------------------------------------------------------------
    def click(
        self,
        msg: Message,
        button: str,
        *,
        user_id: str | None = None,
        timestamp: int | None = None,
        signing_secret: str | None = None,
    ) -> tuple[int, str]:
        """A signed click on ``button`` of ``msg``, sent to the real callback; (HTTP status, body)."""
        body = form_body(interaction_payload(msg, button, user_id or self.user_id))
        headers = sign(self.signing_secret if signing_secret is None else signing_secret, body, timestamp)
        resp = fn_adapter.invoke_json(self.acct, CALLBACK_FUNCTION, http_api_event(body, headers))
        return int(resp.get("statusCode", 0)), str(resp.get("body", ""))

    def _choose(self, msg: Message, request: dict[str, Any]) -> str:
        """approve / reject / ignore for this request (scenario-format.md "Approvals in the twin")."""
        if self.at is None:
            return self.answer
        if request.get("action") == self.at and not self._used_at:
            self._used_at = True
            return self.answer
        return "approve"

    def _run(self) -> None:
        seen = 0
        while not self._stop.is_set():
            for msg in self.slack.wait_for_messages(seen, timeout=0.05):
                seen += 1
                if msg.metadata.get("event_type") == EVENT_TYPE:
                    # The twin's own work (a click is milliseconds in Slack) runs the clock at real speed:
                    # it must not eat simulated minutes of the approval timeout.
                    with get_clock().busy():
                        self._answer(msg)

    def _answer(self, msg: Message) -> None:
        request = dict(msg.metadata.get("event_payload") or {})
        action = str(request.get("action", ""))
        answer = self._choose(msg, request)
        if answer == "ignore":
            self.log.append({"action": action, "answer": "timed_out"})
            return
        try:
            status, body = self.click(msg, "approve" if answer == "approve" else "reject")
        except Exception as exc:  # the callback could not be invoked: nobody answered
            status, body = 0, f"{type(exc).__name__}: {exc}"
        if status == 200:
            self.log.append({"action": action, "answer": "approved" if answer == "approve" else "rejected"})
        else:
            self.errors.append({"action": action, "status": status, "body": body})


class TerminalApprover(SlackApprover):
    """``rehearse --approve ask``: shows each approval message and asks y/n; the answer goes through the
    same signed callback. End of input = nobody answers (the approval times out). While the question is
    open the simulated clock runs at real speed: a person's seconds are real seconds."""

    def __init__(
        self,
        tw: Twin,
        dep: Deployment,
        answer: str = "approve",
        at: str | None = None,
        *,
        stdin: TextIO | None = None,
        stderr: TextIO | None = None,
    ) -> None:
        super().__init__(tw, dep, answer, at)
        self.stdin = stdin or sys.stdin
        self.stderr = stderr or sys.stderr

    def _choose(self, msg: Message, request: dict[str, Any]) -> str:
        out = self.stderr
        with get_clock().busy():
            out.write(f"\n── approval {request.get('approval_id')} ──\n")
            for block in msg.blocks:
                text = (
                    (block.get("text") or {}).get("text")
                    if block.get("type") in ("header", "section")
                    else None
                )
                if text:
                    out.write(_plain(text) + "\n")
            while True:
                out.write("Approve this step? [y/n] ")
                out.flush()
                line = self.stdin.readline()
                if not line:
                    out.write("\n(no answer: the approval will time out)\n")
                    return "ignore"
                reply = line.strip().lower()
                if reply in ("y", "yes"):
                    return "approve"
                if reply in ("n", "no"):
                    return "reject"


def _plain(mrkdwn: str) -> str:
    return (
        mrkdwn.replace("*", "")
        .replace("`", "")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


def approver_for(approve: str, tw: Twin, dep: Deployment, answer: str, at: str | None) -> SlackApprover:
    """``rehearse --approve scenario|ask``: the approver to start."""
    cls = TerminalApprover if approve == "ask" else SlackApprover
    return cls(tw, dep, answer, at)
