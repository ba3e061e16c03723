"""What the templates promise a security reviewer (issue 10): no task token in the state machine's logs,
every log group with a retention, approval records that expire from the table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from profile_migrator.aws import store

from twin.deploy import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = {name: load_template(ROOT / name) for name in ("template.yaml", "member.yaml")}


def _resources(kind: str, template: str = "template.yaml") -> dict[str, dict[str, Any]]:
    return {k: v for k, v in TEMPLATES[template]["Resources"].items() if v["Type"] == kind}


def _definition(sm: dict[str, Any]) -> str:
    return (ROOT / sm["Properties"]["DefinitionUri"]).read_text(encoding="utf-8")


def test_no_task_token_reaches_the_state_machine_logs() -> None:
    """SF-1: whoever holds a task token (and states:SendTaskSuccess) answers the approval. A state machine
    whose states carry $$.Task.Token logs every transition (on-call sees where a run is) but no execution
    data (inputs, outputs, parameters: where the token travels)."""
    carrying = {
        lid: sm
        for lid, sm in _resources("AWS::Serverless::StateMachine").items()
        if "$$.Task.Token" in _definition(sm)
    }
    assert "MigrationStateMachine" in carrying, "the approvals' waitForTaskToken states"
    for lid, sm in carrying.items():
        logging_ = sm["Properties"]["Logging"]
        assert logging_["IncludeExecutionData"] is False, lid
        assert logging_["Level"] == "ALL", f"{lid}: on-call still sees every state transition"


def test_every_log_group_keeps_its_events_for_a_bounded_time() -> None:
    """Every function logs into a log group of the stack (Globals or its own LoggingConfig), and every log
    group of both templates has a retention (none grows forever)."""
    for name, tpl in TEMPLATES.items():
        groups = _resources("AWS::Logs::LogGroup", name)
        for lid, group in groups.items():
            assert group["Properties"].get("RetentionInDays"), f"{name}: {lid} has no RetentionInDays"
        glob = tpl.get("Globals", {}).get("Function", {}).get("LoggingConfig", {})
        for lid, fn in _resources("AWS::Serverless::Function", name).items():
            group = fn["Properties"].get("LoggingConfig", glob).get("LogGroup")
            assert isinstance(group, dict) and group.get("Ref") in groups, (
                f"{name}: {lid} logs into a log group the stack does not create with a retention"
            )


def test_approval_records_expire_from_the_table() -> None:
    """The table deletes items by the attribute the store writes; an approval record (it holds the token)
    carries it, as a Number, a day after the approval expired."""
    (table,) = _resources("AWS::DynamoDB::Table").values()
    assert table["Properties"]["TimeToLiveSpecification"] == {
        "AttributeName": store.TTL_ATTRIBUTE,
        "Enabled": True,
    }
