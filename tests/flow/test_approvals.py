"""Approvals through the real path in the twin (scenario-format.md "Approvals in the twin"): the request
function posts to the Slack stand-in, the twin's approver clicks (a signed block_actions request), the real
callback function decides once and answers the task token. Approve -> SUCCEEDED; reject or nobody answering
-> ROLLED_BACK."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from profile_migrator import approvals, handlers
from profile_migrator.estate import Scenario, parse_scenario
from profile_migrator.models import ApprovalRequest

import twin.run
from twin.approver import TWIN_APPROVER, SlackApprover, TerminalApprover
from twin.run import rehearse_state_machine

pytestmark = pytest.mark.flow

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def scenario(approvals_mode: str, approver: dict[str, Any], time_scale: float | None = None) -> Scenario:
    doc = yaml.safe_load((EXAMPLES / "path1-direct-phz.yaml").read_text())
    doc["migration"]["approvals"] = approvals_mode
    doc.setdefault("twin", {})["approver"] = approver
    if time_scale is not None:
        doc["twin"]["time_scale"] = time_scale
    return parse_scenario(doc, "path1 with approvals")


@pytest.fixture
def slack_path(monkeypatch: pytest.MonkeyPatch) -> list[SlackApprover]:
    """The request function posts to chat and the rehearsal uses the Slack approver (what the lead wires
    in permanently); the started approvers, for inspection."""

    @handlers.instrumented
    def approval_request(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return approvals.request_approval_with_chat(ApprovalRequest.model_validate(event))

    monkeypatch.setattr(handlers, "approval_request", approval_request)  # deploy imports app.py afresh
    started: list[SlackApprover] = []
    original_start = SlackApprover.start

    def start(self: SlackApprover) -> SlackApprover:
        started.append(self)
        return original_start(self)

    monkeypatch.setattr(SlackApprover, "start", start)
    monkeypatch.setattr(twin.run, "Approver", SlackApprover, raising=False)
    return started


def test_every_destructive_step_approved_in_slack_succeeds(slack_path: list[SlackApprover]) -> None:
    scn = scenario("destructive", {"answer": "approve"})
    result = rehearse_state_machine(scn)
    assert result.status == "SUCCEEDED", result.error
    (approver,) = slack_path
    assert approver.errors == []
    assert result.approvals and all(a["answer"] == "approved" for a in result.approvals)
    posted = approver.slack.messages
    assert len(posted) == len(result.approvals)
    for msg in posted:
        assert f"Approved by <@{TWIN_APPROVER}>" in msg.text, msg.text
        assert not [b for b in msg.blocks if b["type"] == "actions"]


def test_rejected_in_slack_rolls_back(slack_path: list[SlackApprover]) -> None:
    scn = scenario("every-step", {"answer": "reject", "at": "enable-private-dns"})
    result = rehearse_state_machine(scn)
    assert result.status == "ROLLED_BACK", result.error
    answers = [(a["action"], a["answer"]) for a in result.approvals]
    assert ("enable-private-dns", "rejected") in answers
    assert all(ans == "approved" for act, ans in answers if act != "enable-private-dns")
    (approver,) = slack_path
    rejected = [m for m in approver.slack.messages if "Rejected by" in m.text]
    assert len(rejected) == 1


def test_nobody_answering_times_out_and_rolls_back(slack_path: list[SlackApprover]) -> None:
    scn = scenario("destructive", {"answer": "ignore"}, time_scale=0.002)  # the 1 h timeout in ~7 s
    result = rehearse_state_machine(scn)
    assert result.status == "ROLLED_BACK", result.error
    assert [a["answer"] for a in result.approvals] == ["timed_out"]


def test_terminal_approver_asks_and_answers_through_the_callback(slack_path: list[SlackApprover],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.StringIO("maybe\ny\n" * 10))  # a person typing
    monkeypatch.setattr(sys, "stderr", stderr)
    monkeypatch.setattr(twin.run, "Approver", lambda tw, dep, answer, at: TerminalApprover(tw, dep, answer, at),
                        raising=False)  # until run.py picks the approver with twin.approver.approver_for
    result = rehearse_state_machine(scenario("destructive", {"answer": "reject"}), approve="ask")
    assert result.status == "SUCCEEDED", result.error  # the person said yes, whatever the scenario says
    assert result.approvals and all(a["answer"] == "approved" for a in result.approvals)
    shown = stderr.getvalue()
    assert "Approval needed: disassociate-vpc-from-zone" in shown and "Approve this step? [y/n]" in shown
    assert "VPCs affected (probe gate)" in shown
