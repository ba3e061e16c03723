"""The region rule: the tool's own resources (run table, run bucket, approval topic, secrets) are always the
stack's Region (``AWS_REGION``); only the estate's calls use the execution input's ``region``. Tested with
an input Region that differs from the stack's: the table, bucket and topic exist in the stack's Region only
(moto keeps Regions apart), so a call made in the input's Region would fail."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from profile_migrator import approvals, runtime
from profile_migrator.aws import secrets as secrets_adapter
from profile_migrator.aws import store
from profile_migrator.aws.session import forget_roles
from profile_migrator.models import (
    ApprovalRequest,
    CompensateEvent,
    Ctx,
    LockEvent,
    OutcomeEvent,
)

STACK, ESTATE = "eu-west-1", "us-east-1"
TABLE, BUCKET = "profile-migrator-runs", "profile-migrator-run-bucket"
STEP = {"index": 2, "action": "enable-private-dns", "endpoint": "lambda", "account": "network"}
CTX = Ctx.model_validate({"region": ESTATE, "accounts": {"network": {"id": "123456789012"}}})


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A stack in eu-west-1 (table, bucket, approval topic there only); returns the topic's ARN."""
    for k, v in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": STACK,
        "AWS_DEFAULT_REGION": STACK,
        "TABLE_NAME": TABLE,
        "RUN_BUCKET": BUCKET,
        "SLACK_CHANNEL": "",
        "MEMBER_ROLE_NAME": "profile-migrator-member",
    }.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    with mock_aws():
        boto3.client("dynamodb", region_name=STACK).create_table(
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
        )
        boto3.client("s3", region_name=STACK).create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": STACK}
        )
        topic = boto3.client("sns", region_name=STACK).create_topic(Name="approvals")["TopicArn"]
        monkeypatch.setenv("APPROVAL_TOPIC_ARN", topic)
        forget_roles()
        secrets_adapter.forget()
        try:
            yield topic
        finally:
            forget_roles()
            secrets_adapter.forget()


def _items(pk: str) -> list[str]:
    ddb = boto3.client("dynamodb", region_name=STACK)
    resp = ddb.query(
        TableName=TABLE, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": pk}}
    )
    return sorted(i["sk"]["S"] for i in resp["Items"])


def test_the_tools_resources_are_in_the_stacks_region_whatever_the_inputs(stack: str) -> None:
    # the run's documents: written and read in the stack's Region; the reference says so
    run, sizes = runtime.store_run("exec-1", {"context.json": {"ctx": CTX.model_dump(mode="json")}})
    assert run.region == STACK and sizes["context.json"] > 0
    runtime._docs.clear()
    assert runtime.load_ctx(run).region == ESTATE, "the context keeps the estate's Region"
    # the approval: its token stored in the stack's table, the notification on the stack's topic
    ev = ApprovalRequest.model_validate(
        {"token": "tok", "step": STEP, "run": run.model_dump(), "execution": "e"}
    )
    out = approvals.request_approval_with_chat(ev)
    assert out["published"] is True
    assert _items(f"approval#{out['approval_id']}") == ["approval"]
    # the locks, the audit trail, the rollback's reading of it
    runtime.lock(LockEvent(op="acquire", keys=["vpce-1"], execution="exec-1", ctx=CTX))
    assert _items("lock#vpce-1") == ["lock"]
    runtime.outcome(OutcomeEvent(op="left", execution="exec-1", step=STEP, failure={"Error": "X"}, run=run))
    assert _items("run#exec-1") == ["left#00002"]
    undo = runtime.plan_undo(CompensateEvent(execution="exec-1", watched=["dev"], run=run))
    assert undo["undone_steps"] == 0 and undo["waves_key"] == "runs/exec-1/undo.json"
    keys = [
        o["Key"] for o in boto3.client("s3", region_name=STACK).list_objects_v2(Bucket=BUCKET)["Contents"]
    ]
    assert sorted(keys) == ["runs/exec-1/context.json", "runs/exec-1/undo.json"]
    # the callback (AWS_REGION) finds the approval the request stored
    assert store.get_json(approvals._home(), TABLE, f"approval#{out['approval_id']}", "approval")


def test_the_estates_calls_use_the_inputs_region(stack: str) -> None:
    actx = runtime.action_context(CTX)
    assert actx.region == ESTATE
    assert actx.accounts["network"].region == ESTATE
    assert actx.accounts["network"].client("ec2").meta.region_name == ESTATE
