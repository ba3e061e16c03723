"""Approvals from Slack: the request message, the signed callback, exactly-once decisions (task tokens).

Request side (the approval-request function): :func:`request_approval_with_chat` keeps the task token
under a short approval id (:func:`runs.request_approval`) and posts a Block Kit message — what will
change, the VPCs it affects (the step's probe gate), the predicted resolution, Approve / Reject buttons
whose ``value`` is the approval id — to Slack (``chat.postMessage``) and, when configured, to an SNS topic
Amazon Q Developer in chat applications relays. The token itself never leaves the table: not in a
message, not in a log line, not in an error.

Callback side (the approval-callback function): :func:`handle_interaction` verifies Slack's signature and
timestamp (SF-4), checks the approver against an allow-list, consumes the approval exactly once (a
conditional delete on ``status = pending``), sends ``SendTaskSuccess`` / ``SendTaskFailure("Rejected")``
(SF-1) and updates the message with who decided and when. Each refusal is a :class:`Refused` carrying its
HTTP status; nothing is sent to Step Functions unless every check passed.

Secrets (signing secret, bot token) come from Secrets Manager through Powertools parameters; their names,
the channel, the allow-list and the topic from the environment (:class:`ChatSettings`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from . import slack
from .aws import functions as fn_adapter
from .aws import notify, secrets, store
from .aws.session import Account, error_code, tool_account
from .models import ApprovalRequest, Ctx
from .runs import request_approval, table_name, with_ctx
from .typed import ConfigDict, Field, ValidationError
from .typed import Model as BaseModel

logger = Logger(child=True)  # the function's Powertools logger (instrumentation.logger)

SIGNATURE_VERSION = "v0"
MAX_SKEW_SECONDS = 300  # SF-4: a request older (or newer) than 5 minutes is a replay
APPROVAL_ID = re.compile(r"[0-9a-f]{12}")
EVENT_TYPE = "profile_migrator_approval"
DEFAULT_SIGNING_SECRET_NAME = "profile-migrator/slack-signing-secret"
DEFAULT_BOT_TOKEN_NAME = "profile-migrator/slack-bot-token"
# A token Step Functions no longer accepts: the approval timed out or the execution ended (SF-1).
_GONE_CODES = ("TaskTimedOut", "TaskDoesNotExist", "InvalidToken")

Verdict = Literal["approved", "rejected"]
_BUTTONS: dict[str, Verdict] = {"approve": "approved", "reject": "rejected"}


# -- Settings ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChatSettings:
    """Where approvals are posted and who may answer them (from the function's environment)."""

    channel: str = ""
    bot_token_name: str = DEFAULT_BOT_TOKEN_NAME
    signing_secret_name: str = DEFAULT_SIGNING_SECRET_NAME
    allow_list: frozenset[str] = frozenset()
    topic_arn: str = ""
    api_url: str = slack.DEFAULT_API_URL
    # The Slack workspace (team) and app the callbacks must come from. The signing secret already binds a
    # request to the app; these, when set, also refuse a request of another workspace or app (an app
    # installed in several workspaces, a reused signing secret). Empty: not checked.
    team_id: str = ""
    app_id: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ChatSettings:
        env = os.environ if env is None else env
        allow = frozenset(u.strip() for u in env.get("APPROVER_ALLOW_LIST", "").split(",") if u.strip())
        return cls(
            channel=env.get("SLACK_CHANNEL", "").strip(),
            bot_token_name=env.get("SLACK_BOT_TOKEN_NAME") or DEFAULT_BOT_TOKEN_NAME,
            signing_secret_name=env.get("SLACK_SIGNING_SECRET_NAME") or DEFAULT_SIGNING_SECRET_NAME,
            allow_list=allow,
            topic_arn=env.get("APPROVAL_TOPIC_ARN", "").strip(),
            api_url=env.get("SLACK_API_URL") or slack.DEFAULT_API_URL,
            team_id=env.get("SLACK_TEAM_ID", "").strip(),
            app_id=env.get("SLACK_APP_ID", "").strip(),
        )


def _home() -> Account:
    """The stack's own account and Region (the table, the secrets, the topic, Step Functions)."""
    return tool_account()


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- Refusals ------------------------------------------------------------------------------------------------


class Refused(Exception):
    """A callback that must not decide anything; ``status`` is the HTTP answer."""

    status = 400

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _refusal(name: str, status: int) -> type[Refused]:
    return type(name, (Refused,), {"status": status, "__doc__": f"A refusal answered with HTTP {status}."})


BadRequest = _refusal("BadRequest", 400)
BadSignature = _refusal("BadSignature", 401)
StaleRequest = _refusal("StaleRequest", 401)
NotAllowed = _refusal("NotAllowed", 403)
UnknownApproval = _refusal("UnknownApproval", 404)
AlreadyDecided = _refusal("AlreadyDecided", 409)
Expired = _refusal("Expired", 410)


# -- The message ---------------------------------------------------------------------------------------------


def _esc(text: object) -> str:
    """Slack mrkdwn control characters (names come from the estate, never trusted as markup)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def target_of(step: Mapping[str, Any]) -> str:
    """The resources a step acts on, e.g. ``endpoint lambda zone lambda-zone vpc dev``."""
    return " ".join(f"{k} {step[k]}" for k in ("endpoint", "zone", "record", "vpc", "profile") if step.get(k))


def predicted_lines(step: Mapping[str, Any], ctx: Ctx) -> list[str]:
    """Per gated VPC, the names it must keep resolving privately (the plan proved it; the gate checks it)."""
    lines = []
    for vpc in step.get("gate") or []:
        names = ctx.watched.get(vpc, [])
        if not names:
            lines.append(f"• {_esc(vpc)}: no private name watched there")
        for name in names:
            ips = ", ".join(ctx.private_ips.get(name, [])) or "endpoint IPs"
            lines.append(f"• {_esc(vpc)}: `{_esc(name)}` → private ({_esc(ips)})")
    return lines


def request_message(approval_id: str, step: Mapping[str, Any], ctx: Ctx, execution: str) -> dict[str, Any]:
    """``text``, ``blocks`` and ``metadata`` of the approval request (no task token anywhere)."""
    action = str(step.get("action", "?"))
    target = target_of(step)
    gate = [str(v) for v in step.get("gate") or []]
    where = f"Step {step.get('index', '?')}"
    if step.get("published_step"):
        where += f" (published step {step['published_step']})"
    where += f" of execution `{_esc(execution)}`"
    if step.get("account"):
        where += f", in account {_esc(step['account'])}"
    what = f"*{_esc(action)}* on {_esc(target) or '(no target)'}\n{where}"
    if step.get("destructive"):
        what += "\n:warning: destructive step"
    predicted = predicted_lines(step, ctx)
    prediction = (
        "*Predicted resolution after this step* (the probe gate checks it):\n" + "\n".join(predicted)
        if predicted
        else "*Predicted resolution:* no VPC's answers change at this step (no probe gate)."
    )
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(f"Approval needed: {action}", 150)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _cut(what, 3000)}},
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": _cut(
                    "*VPCs affected (probe gate):* " + (", ".join(_esc(v) for v in gate) or "none"), 3000
                ),
            },
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": _cut(prediction, 3000)}},
        {
            "type": "actions",
            "block_id": "approval",
            "elements": [
                {
                    "type": "button",
                    "action_id": "approve",
                    "style": "primary",
                    "value": approval_id,
                    "text": {"type": "plain_text", "text": "Approve"},
                },
                {
                    "type": "button",
                    "action_id": "reject",
                    "style": "danger",
                    "value": approval_id,
                    "text": {"type": "plain_text", "text": "Reject"},
                    "confirm": {
                        "title": {"type": "plain_text", "text": "Reject this step?"},
                        "text": {"type": "mrkdwn", "text": "The execution rolls back what it has done."},
                        "confirm": {"type": "plain_text", "text": "Reject"},
                        "deny": {"type": "plain_text", "text": "Cancel"},
                    },
                },
            ],
        },
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": _cut(
                        f"Approval `{approval_id}` · nobody answering in time rolls the execution back", 3000
                    ),
                }
            ],
        },
    ]
    return {
        "text": _cut(
            f"Approval needed: {action} {target} (step {step.get('index', '?')} of {execution})", 3000
        ),
        "blocks": blocks,
        "metadata": {
            "event_type": EVENT_TYPE,
            "event_payload": {
                "approval_id": approval_id,
                "execution": execution,
                "step_index": step.get("index"),
                "action": action,
                "target": target,
                "gate": gate,
            },
        },
    }


def q_notification(approval_id: str, step: Mapping[str, Any], ctx: Ctx, execution: str) -> dict[str, Any]:
    """The same request as an Amazon Q Developer in chat applications custom notification (version 1.0)."""
    action = str(step.get("action", "?"))
    gate = ", ".join(str(v) for v in step.get("gate") or []) or "none"
    desc = "\n".join(
        [
            f"*{action}* on {target_of(step)} — step {step.get('index', '?')} of `{execution}`",
            f"VPCs affected (probe gate): {gate}",
            *predicted_lines(step, ctx),
        ]
    )
    return {
        "version": "1.0",
        "source": "custom",
        "id": approval_id,
        "content": {
            "textType": "client-markdown",
            "title": f":warning: Approval needed: {action}",
            "description": _cut(desc, 8000),
            "nextSteps": [f"Approve or reject approval `{approval_id}` in the Slack approval message"],
            "keywords": [action, execution],
        },
        "metadata": {
            "threadId": execution,
            "summary": f"Approval needed: {action}",
            "eventType": "ApprovalRequested",
            "additionalContext": {"approval_id": approval_id},
        },
    }


def decided_message(
    blocks: list[dict[str, Any]] | None, text: str, verdict: Verdict, by: str, at: float
) -> dict[str, Any]:
    """The message after the decision: the buttons replaced by who decided and when."""
    line = f"{':white_check_mark: Approved' if verdict == 'approved' else ':x: Rejected'} by <@{_esc(by)}> at {_iso(at)}"
    kept = [b for b in (blocks or []) if b.get("type") != "actions"]
    return {
        "text": _cut(f"{line} — {text}", 3000),
        "blocks": [*kept, {"type": "section", "text": {"type": "mrkdwn", "text": line}}],
    }


# -- Request side ----------------------------------------------------------------------------------------------


def post_request(
    acct: Account, settings: ChatSettings, approval_id: str, ev: ApprovalRequest
) -> dict[str, Any]:
    """Post the request to Slack (when a channel is set) and SNS (when a topic is set); where it went."""
    out: dict[str, Any] = {}
    ctx = ev.ctx
    if ctx is None:
        raise ValueError("the approval request has no run context (ctx): it is read before posting")
    if settings.channel:
        token = secrets.get_secret(acct, settings.bot_token_name)
        msg = request_message(approval_id, ev.step, ctx, ev.execution)
        answer = slack.call(
            "chat.postMessage", token, {"channel": settings.channel, **msg}, base_url=settings.api_url
        )
        out.update(channel=answer.get("channel"), ts=answer.get("ts"))
    if settings.topic_arn.startswith("arn:"):
        try:
            notify.publish_json(
                acct,
                settings.topic_arn,
                q_notification(approval_id, ev.step, ctx, ev.execution),
                subject=f"Approval needed: {ev.step.get('action', '?')}",
            )
            out["published"] = True
        except ClientError:
            if not out:  # nobody else was told: the request must fail loudly
                raise
            logger.warning("approval %s: SNS publish failed; the Slack message was posted", approval_id)
    return out


def request_approval_with_chat(ev: ApprovalRequest) -> dict[str, Any]:
    """Store the token under a short id (:func:`runs.request_approval`), then post the request."""
    ev = with_ctx(ev)  # the context by reference (the run bucket, SF-5)
    result = request_approval(ev)
    assert ev.ctx is not None
    # the topic and the bot token's secret are the stack's: its Region, never the estate's
    delivered = post_request(_home(), ChatSettings.from_env(), result["approval_id"], ev)
    return {**result, **delivered}


# -- Callback side ---------------------------------------------------------------------------------------------


def verify_slack_request(
    headers: Mapping[str, str], raw_body: str | bytes, signing_secret: str, now: float
) -> None:
    """SF-4: ``X-Slack-Signature`` is ``v0=hex(HMAC-SHA256(secret, "v0:{ts}:{body}"))``, compared in constant
    time; a timestamp more than 5 minutes from ``now`` is refused (replay)."""
    h = {str(k).lower(): str(v) for k, v in headers.items()}
    ts, sig = h.get("x-slack-request-timestamp", ""), h.get("x-slack-signature", "")
    if not ts or not sig:
        raise BadSignature("missing X-Slack-Signature or X-Slack-Request-Timestamp")
    if not signing_secret:
        raise BadSignature("no signing secret configured")
    body = raw_body.encode("utf-8") if isinstance(raw_body, str) else raw_body
    base = f"{SIGNATURE_VERSION}:{ts}:".encode() + body
    expected = (
        f"{SIGNATURE_VERSION}=" + hmac.new(signing_secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    )
    if not hmac.compare_digest(expected.encode("utf-8"), sig.encode("utf-8", "replace")):
        raise BadSignature("signature does not match")
    try:
        sent = int(ts)
    except ValueError:
        raise StaleRequest("timestamp is not an integer") from None
    if abs(now - sent) > MAX_SKEW_SECONDS:
        raise StaleRequest(f"timestamp is {now - sent:.0f} s off (more than {MAX_SKEW_SECONDS} s)")


class _User(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str = Field(min_length=1)
    username: str = ""


class _Action(BaseModel):
    model_config = ConfigDict(extra="ignore")
    action_id: str
    value: str = ""


class _Channel(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str


class _Team(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore")
    ts: str
    text: str = ""
    blocks: list[dict[str, Any]] | None = None


class Interaction(BaseModel):
    """The part of a Slack ``block_actions`` payload an approval needs."""

    model_config = ConfigDict(extra="ignore")
    type: Literal["block_actions"]
    user: _User
    actions: list[_Action] = Field(min_length=1)
    channel: _Channel | None = None
    message: _Message | None = None
    team: _Team | None = None
    api_app_id: str = ""

    def choice(self) -> tuple[str, Verdict]:
        """(approval id, verdict) of the clicked button."""
        action = self.actions[0]
        verdict = _BUTTONS.get(action.action_id)
        if verdict is None:
            raise BadRequest(f"unknown action {action.action_id!r}")
        if not APPROVAL_ID.fullmatch(action.value):
            raise UnknownApproval("not an approval id")
        return action.value, verdict


def parse_interaction(raw_body: str | bytes) -> Interaction:
    """The form-encoded body's ``payload=`` JSON, as an :class:`Interaction` (after the signature was checked
    over the raw bytes: a body that is not UTF-8 is a bad request, 400, not a crash)."""
    try:
        text = raw_body.decode("utf-8") if isinstance(raw_body, bytes) else raw_body
    except UnicodeDecodeError:
        raise BadRequest("the body is not UTF-8") from None
    payload = urllib.parse.parse_qs(text, keep_blank_values=True).get("payload", [])
    if len(payload) != 1:
        raise BadRequest("expected exactly one payload field")
    try:
        return Interaction.model_validate_json(payload[0])
    except ValidationError as exc:
        raise BadRequest(f"not a block_actions payload: {exc.error_count()} problem(s)") from None


@dataclass(frozen=True)
class Decision:
    """What the callback decided (safe to log: no token)."""

    approval_id: str
    verdict: Verdict
    by: str
    at: float
    execution: str
    action: str
    chat_updated: bool = False


def consume(
    acct: Account, table: str, approval_id: str, verdict: Verdict, by: str, now: float
) -> dict[str, Any]:
    """Take the pending approval exactly once (conditional delete) and record the decision; the taken doc
    (with the token). Refuses unknown (404), already decided (409) and expired (410) approvals."""
    pk = f"approval#{approval_id}"
    doc = store.get_json(acct, table, pk, "approval")
    if doc is None:
        prior = store.get_json(acct, table, pk, "decision")
        if prior is not None and prior.get("decision") == "expired":
            raise Expired("the approval has expired")
        if prior is not None:
            raise AlreadyDecided(
                f"already {prior.get('decision')} by {prior.get('by')} at {_iso(prior.get('at', 0))}"
            )
        raise UnknownApproval("no such approval")
    if float(doc.get("expires_at", 0)) <= now:
        raise Expired("the approval has expired")
    taken = store.take_json(
        acct,
        table,
        pk,
        "approval",
        store.Condition("#s = :pending", names={"#s": "status"}, values={":pending": "pending"}),
    )
    if taken is None:  # someone answered between our read and our delete
        raise AlreadyDecided("already decided")
    record = {
        "decision": verdict,
        "by": by,
        "at": now,
        "execution": str(taken.get("execution", "")),
        "action": str(taken.get("step", {}).get("action", "")),
        "status": verdict,
    }
    store.upsert_json(acct, table, pk, "decision", record)
    return taken


def _restore(acct: Account, table: str, approval_id: str, doc: dict[str, Any]) -> None:
    """Put a taken approval back (Step Functions did not hear the answer): it can be answered again."""
    pk = f"approval#{approval_id}"
    store.upsert_json(acct, table, pk, "approval", doc, store.Condition("attribute_not_exists(pk)"))
    store.delete(acct, table, pk, "decision")


def answer_task(
    acct: Account, table: str, approval_id: str, doc: dict[str, Any], verdict: Verdict, by: str, now: float
) -> None:
    """SendTaskSuccess (approved) or SendTaskFailure("Rejected") with the taken token (SF-1)."""
    try:
        if verdict == "approved":
            fn_adapter.send_task_success(
                acct, doc["token"], {"approved_by": by, "approved_at": _iso(now), "approval_id": approval_id}
            )
        else:
            fn_adapter.send_task_failure(
                acct,
                doc["token"],
                "Rejected",
                f"rejected in Slack by {by} at {_iso(now)} (approval {approval_id})",
            )
    except ClientError as exc:
        code = error_code(exc)
        if code in _GONE_CODES:
            record = {
                "decision": "expired",
                "by": by,
                "at": now,
                "execution": str(doc.get("execution", "")),
                "status": "expired",
            }
            store.upsert_json(acct, table, f"approval#{approval_id}", "decision", record)
            raise Expired(f"Step Functions no longer waits for this approval ({code})") from None
        _restore(acct, table, approval_id, doc)
        raise RuntimeError(
            f"SendTask* failed ({code or type(exc).__name__}); the approval can be answered again"
        ) from None


def _update_message(
    acct: Account, settings: ChatSettings, it: Interaction, verdict: Verdict, at: float
) -> bool:
    if it.channel is None or it.message is None:
        return False
    try:
        token = secrets.get_secret(acct, settings.bot_token_name)
        body = {
            "channel": it.channel.id,
            "ts": it.message.ts,
            **decided_message(it.message.blocks, it.message.text, verdict, it.user.id, at),
        }
        slack.call("chat.update", token, body, base_url=settings.api_url)
        return True
    except (slack.SlackError, ClientError) as exc:  # the decision stands; the message is cosmetic
        logger.warning("chat.update failed: %s", exc)
        return False


def check_origin(it: Interaction, settings: ChatSettings) -> None:
    """403 unless the answer comes from an allowed approver, in the approval channel (a payload without a
    channel is refused, and so is every answer when no channel is configured: no request was posted), and --
    when configured -- from the stack's Slack workspace and app."""
    if settings.team_id and (it.team is None or it.team.id != settings.team_id):
        raise NotAllowed("the request comes from another Slack workspace")
    if settings.app_id and it.api_app_id != settings.app_id:
        raise NotAllowed("the request is for another Slack app")
    if it.user.id not in settings.allow_list:
        raise NotAllowed("this Slack user may not answer approvals")
    if not settings.channel:
        raise NotAllowed("no approval channel is configured (SlackChannel): approvals cannot be answered")
    if it.channel is None or it.channel.id != settings.channel:
        raise NotAllowed("approvals are answered in the approval channel only")


def handle_interaction(
    headers: Mapping[str, str],
    raw_body: str | bytes,
    *,
    now: float | None = None,
    settings: ChatSettings | None = None,
    table: str | None = None,
) -> Decision:
    """The whole callback: verify (401), allow-list (403), consume once (404/409/410), answer the task,
    update the message. Raises :class:`Refused` before any SendTask* call when a check fails."""
    now = time.time() if now is None else now
    settings = settings or ChatSettings.from_env()
    table = table or table_name()
    acct = _home()
    verify_slack_request(headers, raw_body, secrets.get_secret(acct, settings.signing_secret_name), now)
    it = parse_interaction(raw_body)
    check_origin(it, settings)
    approval_id, verdict = it.choice()
    doc = consume(acct, table, approval_id, verdict, it.user.id, now)
    answer_task(acct, table, approval_id, doc, verdict, it.user.id, now)
    updated = _update_message(acct, settings, it, verdict, now)
    return Decision(
        approval_id=approval_id,
        verdict=verdict,
        by=it.user.id,
        at=now,
        execution=str(doc.get("execution", "")),
        action=str(doc.get("step", {}).get("action", "")),
        chat_updated=updated,
    )
