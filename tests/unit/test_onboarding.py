"""Onboarding of new VPCs (EV-1): the event model, the decision (CP-6 and the skips), the rule's pattern
and the generated state machine — without AWS."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from moto.events.models import EventPattern
from profile_migrator.aws.ec2 import VpcInfo
from profile_migrator.aws.profiles import ProfileAssociation
from profile_migrator.models import OnboardRequest
from profile_migrator.onboarding import (
    OPT_OUT_TAG,
    Settings,
    _failure_reason,
    decide_vpc,
    execution_name,
)
from profile_migrator.onboarding_trigger import CreateVpcEvent, request_from_event, start
from profile_migrator.planner import PARKING_TAG
from profile_migrator.typed import ValidationError

from twin.deploy import load_template
from twin.events import cloudtrail_event

ROOT = Path(__file__).resolve().parents[2]
PROFILE = "rp-central"
VPC = "vpc-0a1b2c3d4e5f60718"
ACCOUNT = "222222222222"
SETTINGS = Settings(profile_id=PROFILE, home_region="us-east-1")


def event(**detail: Any) -> dict[str, Any]:
    ev = cloudtrail_event(VPC, ACCOUNT, "us-east-1", "10.3.0.0/16", {"team": "data"})
    ev["detail"].update(detail)
    return ev


def req(**kw: Any) -> OnboardRequest:
    return OnboardRequest(**{"vpc_id": VPC, "account": ACCOUNT, "region": "us-east-1", **kw})


def vpc(**tags: str) -> VpcInfo:
    return VpcInfo(VPC, "analytics", "10.3.0.0/16", ACCOUNT, True, True, dict(tags))


def assoc(profile: str, status: str = "COMPLETE", priority: int = 100) -> ProfileAssociation:
    return ProfileAssociation(f"rpassoc-{profile}", profile, VPC, status, ACCOUNT, priority)


# -- the event (EV-1) -------------------------------------------------------------------------------


def test_ev1_event_parses_into_the_request() -> None:
    parsed = CreateVpcEvent.model_validate(event())
    assert parsed.detail_type == "AWS API Call via CloudTrail" and parsed.source == "aws.ec2"
    r = request_from_event(parsed)
    assert r == OnboardRequest(vpc_id=VPC, account=ACCOUNT, region="us-east-1", event_name="CreateVpc")


def test_create_default_vpc_is_an_ev1_event_too() -> None:
    assert request_from_event(CreateVpcEvent.model_validate(event(eventName="CreateDefaultVpc"))) is not None


def test_a_failed_create_vpc_call_starts_nothing() -> None:
    failed = event(errorCode="VpcLimitExceeded", responseElements=None)
    parsed = CreateVpcEvent.model_validate(failed)
    assert request_from_event(parsed) is None
    out = start(parsed, SETTINGS)  # no AWS call: nothing to start
    assert out["started"] is False and "VpcLimitExceeded" in out["reason"]


def test_other_ec2_calls_are_not_this_model() -> None:
    with pytest.raises(ValidationError):
        CreateVpcEvent.model_validate(event(eventName="DeleteVpc"))


def test_execution_name_comes_from_the_vpc_id() -> None:
    assert execution_name(VPC) == f"onboard-{VPC}"
    assert len(execution_name("vpc-" + "f" * 17)) <= 80  # Step Functions' limit on names


# -- the decision ------------------------------------------------------------------------------------


def test_a_new_vpc_is_associated() -> None:
    d = decide_vpc(req(), vpc(team="data"), [], SETTINGS)
    assert (d.action, d.code) == ("associate", "NEW_VPC")


@pytest.mark.parametrize("value", ["true", "TRUE", "yes", " true "])
def test_opt_out_tag_skips_with_its_reason(value: str) -> None:
    d = decide_vpc(req(), vpc(**{OPT_OUT_TAG: value}), [], SETTINGS)
    assert d.action == "skip" and d.code == "OPTED_OUT"
    assert d.reason.startswith("OPTED_OUT:") and OPT_OUT_TAG in d.reason


def test_opt_out_false_does_not_skip() -> None:
    assert decide_vpc(req(), vpc(**{OPT_OUT_TAG: "false"}), [], SETTINGS).action == "associate"


def test_the_migrations_own_parking_vpc_is_never_onboarded() -> None:
    assert decide_vpc(req(), vpc(**{PARKING_TAG: "true"}), [], SETTINGS).code == "PARKING_VPC"


@pytest.mark.parametrize("status", ["CREATING", "UPDATING", "COMPLETE", "DELETING"])
def test_res12_a_vpc_with_another_profile_joins_before_it(status: str) -> None:
    d = decide_vpc(req(), vpc(), [assoc("rp-other", status, priority=500)], SETTINGS)
    assert (d.action, d.code, d.priority) == ("associate", "NEW_VPC", 400)
    assert "rp-other" in d.reason and "400" in d.reason


def test_res12_another_profile_at_the_lowest_priority_cannot_be_outranked() -> None:
    d = decide_vpc(req(), vpc(), [assoc("rp-other", priority=100)], SETTINGS)
    assert d.action == "skip" and d.code == "SHADOWED_BY_OTHER_PROFILE" and "rp-other" in d.reason
    assert d.priority is None


def test_cp6_a_vpc_with_two_other_profiles_is_skipped() -> None:
    d = decide_vpc(req(), vpc(), [assoc("rp-a", priority=200), assoc("rp-b", priority=300)], SETTINGS)
    assert d.action == "skip" and d.code == "VPC_PROFILE_LIMIT" and "rp-a" in d.reason and "rp-b" in d.reason


def test_the_configured_priority_is_used_unless_it_is_taken() -> None:
    settings = Settings(profile_id=PROFILE, home_region="us-east-1", priority=7000)
    d = decide_vpc(req(), vpc(), [assoc("rp-other", priority=100)], settings)
    assert (d.action, d.priority) == ("associate", 7000)
    d = decide_vpc(req(), vpc(), [assoc("rp-other", priority=7000)], settings)
    assert d.code == "PRIORITY_IN_USE"
    assert Settings.from_env({"ONBOARD_PROFILE_ID": PROFILE, "ONBOARD_PRIORITY": "7000"}).priority == 7000
    assert Settings.from_env({"ONBOARD_PROFILE_ID": PROFILE, "ONBOARD_PRIORITY": ""}).priority is None


@pytest.mark.parametrize("status", ["FAILED", "DELETED"])
def test_a_dead_association_to_another_profile_does_not_block(status: str) -> None:
    assert decide_vpc(req(), vpc(), [assoc("rp-other", status)], SETTINGS).action == "associate"


def test_already_in_our_profile_goes_on_idempotently() -> None:
    d = decide_vpc(req(), vpc(), [assoc(PROFILE, "CREATING")], SETTINGS)
    assert (d.action, d.code) == ("associate", "ALREADY_ASSOCIATED")


def test_gone_vpc_is_skipped() -> None:
    assert decide_vpc(req(), None, [], SETTINGS).code == "VPC_NOT_FOUND"


def test_region_out_of_scope_defaults_to_the_stacks_own_region() -> None:
    d = decide_vpc(req(region="eu-west-1"), vpc(), [], SETTINGS)
    assert d.code == "OUT_OF_SCOPE_REGION"
    wider = Settings(
        profile_id=PROFILE, home_region="us-east-1", regions=frozenset({"us-east-1", "eu-west-1"})
    )
    assert decide_vpc(req(region="eu-west-1"), vpc(), [], wider).action == "associate"


def test_account_out_of_scope() -> None:
    only = Settings(profile_id=PROFILE, accounts=frozenset({"333333333333"}))
    assert decide_vpc(req(), vpc(), [], only).code == "OUT_OF_SCOPE_ACCOUNT"
    assert decide_vpc(req(), vpc(), [], SETTINGS).action == "associate"  # empty list: every account


def test_scope_is_decided_before_the_vpc_is_looked_at() -> None:
    d = decide_vpc(req(region="eu-west-1"), None, [assoc("rp-other")], SETTINGS)
    assert d.code == "OUT_OF_SCOPE_REGION"


def test_settings_from_the_functions_environment() -> None:
    s = Settings.from_env(
        {
            "ONBOARD_PROFILE_ID": PROFILE,
            "ONBOARD_ACCOUNTS": "111111111111, 222222222222",
            "ONBOARD_REGIONS": "",
            "AWS_REGION": "eu-central-1",
            "MEMBER_ROLE_NAME": "m",
        }
    )
    assert s.accounts == {"111111111111", "222222222222"}
    assert s.allowed_regions() == {"eu-central-1"}
    assert s.role_arn(ACCOUNT, "eu-central-1") == f"arn:aws:iam::{ACCOUNT}:role/m"
    assert Settings.from_env({}).profile_id == ""


def test_failure_reason_reads_a_lambda_cause() -> None:
    cause = json.dumps(
        {"errorMessage": "association rpassoc-1 ended FAILED", "errorType": "AssociationFailed"}
    )
    assert _failure_reason({"Error": "AssociationFailed", "Cause": cause}) == (
        "AssociationFailed: association rpassoc-1 ended FAILED"
    )
    assert _failure_reason({"Error": "States.Timeout", "Cause": "plain"}) == "States.Timeout: plain"


# -- the rule (template.yaml, member.yaml) and the state machine --------------------------------------


def _rules(path: Path) -> dict[str, dict[str, Any]]:
    tpl = load_template(path)
    return {k: v for k, v in tpl["Resources"].items() if v["Type"] == "AWS::Events::Rule"}


def test_ev1_the_rules_match_create_vpc_and_nothing_else() -> None:
    rules = {**_rules(ROOT / "template.yaml"), **_rules(ROOT / "member.yaml")}
    assert {"OnboardVpcRule", "OnboardOrgVpcRule", "OnboardForwardRule"} <= set(rules)
    patterns = {lid: r["Properties"]["EventPattern"] for lid, r in rules.items() if lid.startswith("Onboard")}
    assert len({json.dumps(p, sort_keys=True) for p in patterns.values()}) == 1, "one pattern everywhere"
    pattern = EventPattern.load(json.dumps(next(iter(patterns.values()))))
    assert pattern.matches_event(event())
    assert pattern.matches_event(event(eventName="CreateDefaultVpc"))
    assert not pattern.matches_event(event(eventName="DeleteVpc"))
    assert not pattern.matches_event(event(errorCode="VpcLimitExceeded", responseElements=None))
    other = copy.deepcopy(event())
    other["detail-type"] = "EC2 Instance State-change Notification"
    assert not pattern.matches_event(other)


# Onboarding errors a retry cannot fix (profile_migrator.onboarding, and pydantic's for a bad request).
ONBOARD_FINAL_ERRORS = ["AssociationFailed", "PollTimeout", "ProbeFailed", "NotConfigured", "ValidationError"]


def test_onboarding_tasks_retry_all_but_its_final_errors_and_notify_a_failure() -> None:
    import profile_migrator.onboarding as onboarding

    for name in ONBOARD_FINAL_ERRORS[:-1]:
        assert issubclass(getattr(onboarding, name), Exception), name
    asl = json.loads((ROOT / "statemachine" / "onboard.asl.json").read_text())
    tasks = {k: st for k, st in asl["States"].items() if st["Type"] == "Task"}
    assert tasks
    for name, st in tasks.items():
        assert st["Retry"][0] == {"ErrorEquals": ONBOARD_FINAL_ERRORS, "MaxAttempts": 0}, name
        assert st["Retry"][1]["ErrorEquals"] == ["States.ALL"], name
        expected = "FailedUnnotified" if name == "NotifyFailure" else "NotifyFailure"
        assert st["Catch"] == [
            {"ErrorEquals": ["States.ALL"], "ResultPath": st["Catch"][0]["ResultPath"], "Next": expected}
        ]


def test_onboarding_state_machine_is_wired_in_the_template() -> None:
    res = load_template(ROOT / "template.yaml")["Resources"]
    sm = res["OnboardStateMachine"]["Properties"]
    assert sm["Type"] == "STANDARD" and sm["DefinitionUri"] == "statemachine/onboard.asl.json"
    for key, value in sm["DefinitionSubstitutions"].items():
        target = value["Fn::GetAtt"][0]
        assert (ROOT / res[target]["Properties"]["CodeUri"] / "app.py").exists(), key
    trigger = res["OnboardTriggerFunction"]["Properties"]
    assert trigger["Environment"]["Variables"]["ONBOARD_STATE_MACHINE_ARN"] == {"Ref": "OnboardStateMachine"}
    for rule in ("OnboardVpcRule", "OnboardOrgVpcRule"):
        assert res[rule]["Properties"]["Targets"][0]["Arn"] == {
            "Fn::GetAtt": ["OnboardTriggerFunction", "Arn"]
        }
