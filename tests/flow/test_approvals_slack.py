"""Approvals through the Slack path in the twin: the request function posts to the Slack stand-in, the
twin's approver clicks (a signed block_actions request, SF-4), the real callback function decides once,
answers the task token and updates the message; ``rehearse --approve ask`` asks on the terminal. The request
function is the deployed one (approval_handler.approval_request -> approvals.request_approval_with_chat)."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from profile_migrator.estate import Scenario, parse_scenario

import twin.run
from twin.approver import TWIN_APPROVER, SlackApprover, TerminalApprover
from twin.run import rehearse_state_machine

pytestmark = pytest.mark.flow

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "path1-direct-phz.yaml"


def scenario(approvals_mode: str, approver: dict[str, Any]) -> Scenario:
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["migration"]["approvals"] = approvals_mode
    doc.setdefault("twin", {})["approver"] = approver
    return parse_scenario(doc, "path1 with approvals")


@pytest.fixture
def slack_path(monkeypatch: pytest.MonkeyPatch) -> list[SlackApprover]:
    """The request function posts to chat; the rehearsal's approver is the Slack one. The approvers started."""

    started: list[SlackApprover] = []
    original_start = SlackApprover.start

    def start(self: SlackApprover) -> SlackApprover:
        started.append(self)
        return original_start(self)

    monkeypatch.setattr(SlackApprover, "start", start)
    if hasattr(twin.run, "Approver"):  # before run.py uses twin.approver.approver_for
        monkeypatch.setattr(twin.run, "Approver", SlackApprover)
    return started


def test_destructive_steps_approved_in_slack_succeed_and_messages_show_who(
    slack_path: list[SlackApprover],
) -> None:
    result = rehearse_state_machine(scenario("destructive", {"answer": "approve"}))
    (approver,) = slack_path
    assert result.status == "SUCCEEDED", (result.error, result.approvals, approver.errors)
    assert approver.errors == []
    assert result.approvals and all(a["answer"] == "approved" for a in result.approvals)
    posted = approver.slack.messages
    assert len(posted) == len(result.approvals)
    for msg in posted:
        assert f"Approved by <@{TWIN_APPROVER}>" in msg.text, msg.text
        assert not [b for b in msg.blocks if b["type"] == "actions"], "the buttons are gone"


def test_rejected_in_slack_rolls_back_and_the_message_says_so(slack_path: list[SlackApprover]) -> None:
    result = rehearse_state_machine(scenario("every-step", {"answer": "reject", "at": "enable-private-dns"}))
    assert result.status == "ROLLED_BACK", result.error
    answers = [(a["action"], a["answer"]) for a in result.approvals]
    assert ("enable-private-dns", "rejected") in answers, (answers, slack_path[0].errors)
    assert all(ans == "approved" for act, ans in answers if act != "enable-private-dns")
    (approver,) = slack_path
    assert approver.errors == []
    assert len([m for m in approver.slack.messages if "Rejected by" in m.text]) == 1


def test_terminal_approver_asks_and_answers_through_the_callback(
    slack_path: list[SlackApprover], monkeypatch: pytest.MonkeyPatch
) -> None:
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.StringIO("maybe\ny\n" * 10))  # a person typing
    monkeypatch.setattr(sys, "stderr", stderr)
    if hasattr(twin.run, "Approver"):
        monkeypatch.setattr(
            twin.run, "Approver", lambda tw, dep, answer, at: TerminalApprover(tw, dep, answer, at)
        )
    result = rehearse_state_machine(scenario("destructive", {"answer": "reject"}), approve="ask")
    # the person said yes, whatever the scenario says
    assert result.status == "SUCCEEDED", (
        result.error,
        result.approvals,
        slack_path[0].errors,
        stderr.getvalue(),
    )
    assert result.approvals and all(a["answer"] == "approved" for a in result.approvals)
    shown = stderr.getvalue()
    assert "Approval needed: disassociate-vpc-from-zone" in shown and "Approve this step? [y/n]" in shown
    assert "VPCs affected (probe gate)" in shown
