"""Approvals from Slack, through the real callback handler (functions/approval_callback/app.py) on a
moto-backed table and secrets, with the Slack stand-in on loopback and SendTask* recorded.

Security: forged / tampered / unsigned requests (401), stale timestamps (401, SF-4), replays (409, one
SendTask*), approvers not on the allow-list (403), unknown approvals (404), a second answer (409),
expired approvals (410) — every refusal with no SendTask* call. Happy paths: approve -> SendTaskSuccess,
reject -> SendTaskFailure("Rejected"), the message updated with who decided. The task token appears in
no message, notification, log line or HTTP answer.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import sys
import time
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from profile_migrator import approvals
from profile_migrator.aws import functions as fn_adapter
from profile_migrator.aws import secrets as secrets_adapter
from profile_migrator.aws import store
from profile_migrator.models import ApprovalRequest

from twin.approver import form_body, http_api_event, interaction_payload, sign
from twin.slack import Message, SlackStandIn

from .helpers import create_run_table

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
TABLE = "profile-migrator-test"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
CHANNEL = "C0APPROVALS"
ALLOWED, OTHER_ALLOWED, INTRUDER = "U0ALLOWED", "U0SECOND", "U0INTRUDER"
NAME = "lambda.us-east-1.amazonaws.com"
TOKEN = "AAAAKgAAAAIAAAAAAAAAAtwinTOKEN-" + "x" * 200  # what $$.Task.Token looks like: long and opaque
APPROVAL_ID_RE = approvals.APPROVAL_ID

STEP = {
    "index": 3,
    "action": "enable-private-dns",
    "endpoint": "lambda",
    "account": "network",
    "published_step": 3,
    "wave": 3,
    "destructive": False,
    "gate": ["shared-services", "dev"],
    "approval": True,
    "function": "EnablePrivateDns",
}
CTX = {
    "region": REGION,
    "accounts": {"network": {"id": "111111111111"}},
    "watched": {"shared-services": [NAME], "dev": [NAME]},
    "private_ips": {NAME: ["10.0.1.10", "10.0.2.10"]},
}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackStandIn]:
    """moto (table, secrets, SNS), the Slack stand-in, the functions' environment."""
    slack = SlackStandIn(bot_token="xoxb-test-bot-token").start()
    for k, v in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "TABLE_NAME": TABLE,
        "SLACK_SIGNING_SECRET_NAME": "test/signing",
        "SLACK_BOT_TOKEN_NAME": "test/bot",
        "SLACK_CHANNEL": CHANNEL,
        "SLACK_API_URL": slack.url,
        "APPROVER_ALLOW_LIST": f"{ALLOWED}, {OTHER_ALLOWED}",
        "APPROVAL_TOPIC_ARN": "",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }.items():
        monkeypatch.setenv(k, v)
    with mock_aws():
        create_run_table(REGION, TABLE)
        sm = boto3.client("secretsmanager", region_name=REGION)
        sm.create_secret(Name="test/signing", SecretString=SIGNING_SECRET)
        sm.create_secret(Name="test/bot", SecretString=slack.bot_token)
        secrets_adapter.forget()
        try:
            yield slack
        finally:
            secrets_adapter.forget()
            slack.stop()


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Every SendTaskSuccess / SendTaskFailure the callback makes (recorded, not sent)."""
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(
        fn_adapter, "send_task_success", lambda acct, token, output: calls.append(("success", token, output))
    )
    monkeypatch.setattr(
        fn_adapter,
        "send_task_failure",
        lambda acct, token, error, cause: calls.append(("failure", token, error, cause)),
    )
    return calls


@pytest.fixture(scope="module")
def handler() -> Any:
    spec = importlib.util.spec_from_file_location(
        "approval_callback_app", ROOT / "functions/approval_callback/app.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    sys.modules[spec.name] = mod
    return mod.lambda_handler


CONTEXT = types.SimpleNamespace(
    function_name="ApprovalCallbackFunction",
    memory_limit_in_mb=256,
    invoked_function_arn="arn:aws:lambda:us-east-1:111111111111:function:cb",
    aws_request_id="req-1",
    function_version="$LATEST",
)


def request(slack: SlackStandIn) -> tuple[str, Message]:
    """The request side for real: store the token, post the message; (approval id, posted message)."""
    ev = ApprovalRequest.model_validate({"token": TOKEN, "step": STEP, "ctx": CTX, "execution": "exec-1"})
    out = approvals.request_approval_with_chat(ev)
    msg = slack.find(out["channel"], out["ts"])
    assert msg is not None
    return out["approval_id"], msg


def click(
    msg: Message,
    button: str = "approve",
    *,
    user: str = ALLOWED,
    secret: str = SIGNING_SECRET,
    ts: int | None = None,
) -> dict[str, Any]:
    body = form_body(interaction_payload(msg, button, user))
    return http_api_event(body, sign(secret, body, ts))


def call(handler: Any, event: dict[str, Any]) -> tuple[int, str]:
    resp = handler(event, CONTEXT)
    return resp["statusCode"], resp["body"]


def pending(approval_id: str) -> dict[str, Any] | None:
    return store.get_json(approvals._home(), TABLE, f"approval#{approval_id}", "approval")


# -- happy paths ---------------------------------------------------------------------------------------------


def test_approve_sends_task_success_once_and_updates_the_message(env, sent, handler) -> None:
    approval_id, msg = request(env)
    status, _ = call(handler, click(msg, "approve"))
    assert status == 200
    assert [c[:2] for c in sent] == [("success", TOKEN)]
    assert sent[0][2]["approved_by"] == ALLOWED and sent[0][2]["approval_id"] == approval_id
    assert pending(approval_id) is None, "consumed"
    decision = store.get_json(approvals._home(), TABLE, f"approval#{approval_id}", "decision")
    assert decision and decision["decision"] == "approved" and decision["by"] == ALLOWED
    assert len(msg.updates) == 1 and f"Approved by <@{ALLOWED}>" in msg.text
    assert not [b for b in msg.blocks if b["type"] == "actions"], "the buttons are gone"


def test_reject_sends_task_failure_rejected(env, sent, handler) -> None:
    approval_id, msg = request(env)
    status, _ = call(handler, click(msg, "reject"))
    assert status == 200
    assert [c[:3] for c in sent] == [("failure", TOKEN, "Rejected")]
    assert ALLOWED in sent[0][3] and approval_id in sent[0][3]
    assert f"Rejected by <@{ALLOWED}>" in msg.text


# -- refusals: each with the right status and no SendTask* ---------------------------------------------------


@pytest.mark.parametrize("forgery", ["wrong-secret", "tampered-body", "no-signature", "no-timestamp"])
def test_forged_or_unsigned_request_is_refused_401(env, sent, handler, forgery: str) -> None:
    approval_id, msg = request(env)
    if forgery == "wrong-secret":
        event = click(msg, secret="not-the-signing-secret")
    else:
        event = click(msg, "reject")
        if forgery == "tampered-body":  # signed a reject; the body now says approve
            signed_body = form_body(interaction_payload(msg, "approve", ALLOWED))
            event["body"] = http_api_event(signed_body, {})["body"]
        else:
            event["headers"].pop(
                "x-slack-signature" if forgery == "no-signature" else "x-slack-request-timestamp"
            )
    status, _ = call(handler, event)
    assert status == 401
    assert sent == [] and pending(approval_id) is not None


@pytest.mark.parametrize("skew", [-301, 301, -3600])
def test_stale_timestamp_is_refused_401(env, sent, handler, skew: int) -> None:
    approval_id, msg = request(env)
    status, body = call(handler, click(msg, ts=int(time.time()) + skew))  # correctly signed, but old/new
    assert status == 401 and "timestamp" in body
    assert sent == [] and pending(approval_id) is not None


def test_replayed_request_is_refused_409_and_decides_once(env, sent, handler) -> None:
    _, msg = request(env)
    event = click(msg, "approve")
    assert call(handler, event)[0] == 200
    status, body = call(handler, json.loads(json.dumps(event)))  # the same signed request again
    assert status == 409 and "already approved" in body
    assert len(sent) == 1


def test_concurrent_answers_decide_once(env, sent, handler, monkeypatch) -> None:
    """Two callbacks that both read the approval as pending: the conditional delete lets one through."""
    approval_id, msg = request(env)
    stale = pending(approval_id)
    real_get = store.get_json
    monkeypatch.setattr(
        store,
        "get_json",
        lambda acct, table, pk, sk: stale if sk == "approval" else real_get(acct, table, pk, sk),
    )
    original = Message(channel=msg.channel, ts=msg.ts, text=msg.text, blocks=list(msg.blocks))
    assert call(handler, click(original, "approve", user=ALLOWED))[0] == 200
    assert call(handler, click(original, "reject", user=OTHER_ALLOWED))[0] == 409
    assert [c[0] for c in sent] == ["success"]


def test_approver_not_on_the_allow_list_is_refused_403(env, sent, handler) -> None:
    approval_id, msg = request(env)
    status, _ = call(handler, click(msg, "approve", user=INTRUDER))
    assert status == 403
    assert sent == [] and pending(approval_id) is not None
    assert call(handler, click(msg, "approve", user=ALLOWED))[0] == 200, "still answerable by an approver"


def test_answer_from_another_channel_is_refused_403(env, sent, handler) -> None:
    approval_id, msg = request(env)
    elsewhere = Message(channel="C0ELSEWHERE", ts=msg.ts, text=msg.text, blocks=msg.blocks)
    status, _ = call(handler, click(elsewhere))
    assert status == 403 and sent == [] and pending(approval_id) is not None


def _signed(payload: dict[str, Any]) -> dict[str, Any]:
    body = form_body(payload)
    return http_api_event(body, sign(SIGNING_SECRET, body))


def test_a_payload_without_a_channel_is_refused_403(env, sent, handler) -> None:
    """The channel check is not skipped when the payload names no channel."""
    approval_id, msg = request(env)
    payload = interaction_payload(msg, "approve", ALLOWED)
    del payload["channel"]
    status, body = call(handler, _signed(payload))
    assert (status, body) == (403, "approvals are answered in the approval channel only")
    assert sent == [] and pending(approval_id) is not None


def test_no_configured_channel_refuses_every_answer_403(env, sent, handler, monkeypatch) -> None:
    approval_id, msg = request(env)
    monkeypatch.setenv("SLACK_CHANNEL", "")
    status, body = call(handler, click(msg))
    assert status == 403 and "no approval channel is configured" in body
    assert sent == [] and pending(approval_id) is not None


@pytest.mark.parametrize(
    ("setting", "value", "reason"),
    [
        ("SLACK_TEAM_ID", "T0OURS", "the request comes from another Slack workspace"),
        ("SLACK_APP_ID", "A0OURS", "the request is for another Slack app"),
    ],
)
def test_another_workspace_or_app_is_refused_403_when_configured(
    env, sent, handler, monkeypatch, setting: str, value: str, reason: str
) -> None:
    """Not configured: not checked (the signing secret binds the request to the app). Configured: the
    payload's team.id / api_app_id must be the stack's."""
    approval_id, msg = request(env)
    monkeypatch.setenv(setting, value)
    assert call(handler, click(msg)) == (403, reason)
    assert sent == [] and pending(approval_id) is not None
    payload = interaction_payload(msg, "approve", ALLOWED)
    payload["team"]["id"], payload["api_app_id"] = "T0OURS", "A0OURS"
    assert call(handler, _signed(payload))[0] == 200, "the stack's own workspace and app"


def test_a_body_that_is_not_utf8_is_checked_for_its_signature_then_refused_400(env, sent, handler) -> None:
    """The signature is verified over the raw bytes, then the body is decoded: 401 unsigned, 400 signed —
    never a 500 from a decoding error before the signature check."""
    import base64
    import hashlib
    import hmac

    approval_id, _ = request(env)
    raw = b"payload=%7B%22type%22%3A%22block_actions%22%7D\xff\xfe"
    ts = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{ts}:".encode() + raw, hashlib.sha256).hexdigest()
    event = http_api_event("", {"x-slack-request-timestamp": ts, "x-slack-signature": f"v0={digest}"})
    event["body"], event["isBase64Encoded"] = base64.b64encode(raw).decode(), True
    assert call(handler, event) == (400, "the body is not UTF-8")
    event["headers"]["x-slack-signature"] = "v0=" + "0" * 64
    assert call(handler, event) == (401, "signature does not match")
    event["body"] = "not base64!"
    assert call(handler, event)[0] == 400
    assert sent == [] and pending(approval_id) is not None


@pytest.mark.parametrize(
    "value", ["0123456789ab", "approval#x", "", "f" * 3000], ids=["absent", "malformed", "empty", "oversized"]
)
def test_unknown_approval_is_refused_404(env, sent, handler, monkeypatch, value: str) -> None:
    approval_id, msg = request(env)
    forged = Message(
        channel=msg.channel,
        ts=msg.ts,
        text=msg.text,
        blocks=json.loads(json.dumps(msg.blocks).replace(approval_id, value)),
    )
    reads: list[str] = []
    real_get = store.get_json
    monkeypatch.setattr(
        store, "get_json", lambda acct, table, pk, sk: reads.append(pk) or real_get(acct, table, pk, sk)
    )
    status, _ = call(handler, click(forged))
    looked_up = list(reads)
    assert status == 404
    assert sent == [] and pending(approval_id) is not None
    if value != "0123456789ab":
        assert looked_up == [], "a value that is not an approval id never reaches the table"


def test_second_answer_by_another_approver_is_refused_409(env, sent, handler) -> None:
    _, msg = request(env)
    original = Message(channel=msg.channel, ts=msg.ts, text=msg.text, blocks=list(msg.blocks))
    assert call(handler, click(original, "approve", user=ALLOWED))[0] == 200
    status, body = call(handler, click(original, "reject", user=OTHER_ALLOWED))  # a click on a stale screen
    assert status == 409 and ALLOWED in body
    assert [c[0] for c in sent] == ["success"]


def test_expired_approval_is_refused_410(env, sent, handler) -> None:
    approval_id, msg = request(env)
    acct = approvals._home()
    doc = pending(approval_id)
    assert doc is not None
    doc["expires_at"] = time.time() - 1
    store.put_json(acct, TABLE, f"approval#{approval_id}", "approval", doc)
    status, _ = call(handler, click(msg))
    assert status == 410
    assert sent == [] and pending(approval_id) is not None


def test_token_step_functions_no_longer_waits_for_is_410(env, handler, monkeypatch) -> None:
    """The execution's approval timeout passed first (SF-1 TaskTimedOut): refused, recorded as expired."""
    approval_id, msg = request(env)

    def timed_out(*_a: Any) -> None:
        raise ClientError({"Error": {"Code": "TaskTimedOut", "Message": "Task Timed Out"}}, "SendTaskSuccess")

    monkeypatch.setattr(fn_adapter, "send_task_success", timed_out)
    assert call(handler, click(msg))[0] == 410
    decision = store.get_json(approvals._home(), TABLE, f"approval#{approval_id}", "decision")
    assert decision and decision["decision"] == "expired"
    assert msg.updates == [], "the message still shows the request (nothing was decided)"
    assert call(handler, click(msg))[0] == 410, "and stays expired"


def _ttl(approval_id: str) -> int:
    """The raw item's TTL attribute (a Number, what DynamoDB's TimeToLiveSpecification reads)."""
    item = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=TABLE, Key={"pk": {"S": f"approval#{approval_id}"}, "sk": {"S": "approval"}}
    )["Item"]
    return int(item[store.TTL_ATTRIBUTE]["N"])


def test_step_functions_error_puts_the_approval_back(env, sent, handler, monkeypatch) -> None:
    approval_id, msg = request(env)
    doc = pending(approval_id)
    assert doc is not None
    ttl = _ttl(approval_id)
    assert ttl == int(doc["expires_at"] + 24 * 3600) and doc["expires_at"] > time.time() + 6 * 24 * 3600, (
        "the approval record (it holds the token) expires from the table a day after the approval"
    )

    def throttled(*_a: Any) -> None:
        raise ClientError(
            {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "SendTaskSuccess"
        )

    monkeypatch.setattr(fn_adapter, "send_task_success", throttled)
    with pytest.raises(RuntimeError):
        handler(click(msg), CONTEXT)
    assert pending(approval_id) is not None
    assert _ttl(approval_id) == ttl, "put back with its expiry"
    monkeypatch.setattr(
        fn_adapter, "send_task_success", lambda acct, token, output: sent.append(("success", token))
    )
    assert call(handler, click(msg))[0] == 200 and sent == [("success", TOKEN)]


# -- the request message ------------------------------------------------------------------------------------


def test_request_message_says_what_changes_and_never_carries_the_token(
    env, sent, handler, caplog, monkeypatch
) -> None:
    caplog.set_level(logging.DEBUG)
    sqs = boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName="q-dev")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns = boto3.client("sns", region_name=REGION)
    topic = sns.create_topic(Name="approvals")["TopicArn"]
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"}
    )
    monkeypatch.setenv("APPROVAL_TOPIC_ARN", topic)
    approval_id, msg = request(env)
    text = json.dumps(msg.blocks, ensure_ascii=False)
    assert "enable-private-dns" in text and "endpoint lambda" in text
    assert "shared-services, dev" in text, "the VPCs affected = the step's gate"
    assert f"`{NAME}` → private (10.0.1.10, 10.0.2.10)" in text
    buttons = {
        e["action_id"]: e["value"] for b in msg.blocks if b["type"] == "actions" for e in b["elements"]
    }
    assert buttons == {"approve": approval_id, "reject": approval_id}
    assert msg.metadata["event_payload"]["approval_id"] == approval_id
    notes = [
        json.loads(m["Body"]) for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    ]
    assert len(notes) == 1 and notes[0]["version"] == "1.0" and notes[0]["source"] == "custom"
    assert approval_id in json.dumps(notes[0])
    records: list[logging.LogRecord] = []
    sink = logging.Handler()
    sink.emit = records.append  # type: ignore[method-assign]
    service = sys.modules["approval_callback_app"].logger._logger  # the handler's Powertools Logger
    service.addHandler(sink)
    try:
        event = click(msg)
        status, body = call(handler, event)
        status2, _ = call(handler, event)  # a refusal is logged too
    finally:
        service.removeHandler(sink)
    assert (status, status2) == (200, 409)
    assert {r.getMessage() for r in records} >= {"approval decided", "approval refused"}
    stored = json.dumps([m.__dict__ for m in env.messages], default=str)
    ours = [
        r
        for r in [*caplog.records, *records]
        if not r.name.startswith(("botocore", "boto3", "urllib3", "moto"))
    ]
    logs = "\n".join(r.getMessage() + json.dumps(r.__dict__, default=str) for r in ours)
    for where in (stored, json.dumps(notes), body, logs):
        assert TOKEN not in where and TOKEN[:40] not in where


def test_verify_slack_request_matches_slacks_documented_example() -> None:
    """Slack's 'Verifying requests from Slack' example, byte for byte (SF-4)."""
    body = (
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
        "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
        "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
        "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    headers = {
        "X-Slack-Request-Timestamp": "1531420618",
        "X-Slack-Signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    }
    approvals.verify_slack_request(headers, body, SIGNING_SECRET, now=1531420618 + 10)
    with pytest.raises(approvals.StaleRequest):
        approvals.verify_slack_request(headers, body, SIGNING_SECRET, now=1531420618 + 301)
    with pytest.raises(approvals.BadSignature):
        approvals.verify_slack_request(headers, body + "&x=1", SIGNING_SECRET, now=1531420618)


# -- the request function never logs the token ----------------------------------------------------------------


def test_the_request_function_never_logs_the_token_even_when_events_are_logged(
    env, monkeypatch, caplog
) -> None:
    """The approval-request function's event holds the task token: an operator who turns on event logging
    (POWERTOOLS_LOGGER_LOG_EVENT, for the other functions) must not leak it, nor may a malformed event's
    error echo it (the error reaches the execution history and the Lambda log)."""
    import importlib

    from profile_migrator import approval_handler, instrumentation

    monkeypatch.setenv("POWERTOOLS_LOGGER_LOG_EVENT", "true")  # read when the handlers are decorated
    records: list[logging.LogRecord] = []
    sink = logging.Handler()
    sink.emit = records.append  # type: ignore[method-assign]
    service = instrumentation.logger._logger
    service.addHandler(sink)
    caplog.set_level(logging.DEBUG)
    try:
        fresh = importlib.reload(approval_handler)
        event = {"token": TOKEN, "step": STEP, "ctx": CTX, "execution": "exec-1"}
        out = fresh.approval_request(event, CONTEXT)
        with pytest.raises(fresh.InvalidApprovalRequest) as bad:
            fresh.approval_request({**event, "token": TOKEN * 20}, CONTEXT)  # over 2048 characters
        # the other functions do log their events when asked (and the sink sees them)
        instrumentation.instrumented(lambda e, c: {})({"execution": "exec-2", "marker": "logged"}, CONTEXT)
    finally:
        service.removeHandler(sink)
        monkeypatch.delenv("POWERTOOLS_LOGGER_LOG_EVENT")
        importlib.reload(approval_handler)
    assert APPROVAL_ID_RE.fullmatch(out["approval_id"]) and out["channel"] == CHANNEL
    assert str(bad.value) == "token: String should have at most 2048 characters"
    ours = [*records, *(r for r in caplog.records if not r.name.startswith(("botocore", "boto3", "urllib3")))]
    logs = "\n".join(r.getMessage() + json.dumps(r.__dict__, default=str) for r in ours)
    assert "logged" in logs and "exec-2" in logs, "event logging is on, and the sink sees it"
    for where in (logs, str(bad.value), json.dumps(out)):
        assert TOKEN[:20] not in where and TOKEN[-20:] not in where
