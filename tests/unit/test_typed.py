"""The functions' typed events without pydantic (issue 11: cold starts): ``profile_migrator.typed`` keeps
pydantic's spelling and words, so an event's errors still name the field and the reason; the console's
request (pydantic) shares the account / gate / poll models and agrees with them on every input."""

from __future__ import annotations

import pickle
from typing import Any

import pydantic
import pytest
from profile_migrator import models, request
from profile_migrator.onboarding_trigger import CreateVpcEvent
from profile_migrator.typed import Field, Model, ValidationError, field_validator

ACCOUNT = "111111111111"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/profile-migrator-member"


def problems(model: type[Model], data: Any) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as err:
        model.model_validate(data)
    return [(".".join(map(str, e["loc"])), e["msg"]) for e in err.value.errors()]


def test_every_problem_is_named_by_its_field_in_pydantics_words() -> None:
    event = {
        "op": "grab",
        "keys": ["a", 3],
        "execution_arn": None,
        "ctx": {"region": "us-east-1", "accounts": {"net": {"id": "12", "role_arn": ROLE}}},
    }
    assert problems(models.LockEvent, event) == [
        ("ctx.accounts.net.id", "Value error, '12' is not a 12-digit account id"),
        ("op", "Input should be 'acquire' or 'release'"),
        ("keys.1", "Input should be a valid string"),
        ("execution", "Field required"),
        ("execution_arn", "Input should be a valid string"),
    ]
    assert problems(models.GateConfig, {"consecutive": 0, "concurrency": 65, "extra": 1}) == [
        ("consecutive", "Input should be greater than or equal to 1"),
        ("concurrency", "Input should be less than or equal to 64"),
        ("extra", "Extra inputs are not permitted"),
    ]
    assert problems(models.ApprovalRequest, {"token": "", "step": [], "execution": "e"}) == [
        ("token", "String should have at least 1 character"),
        ("step", "Input should be a valid dictionary"),
    ]
    assert problems(models.OnboardRequest, {"vpc_id": "vpc-XYZ", "account": ACCOUNT, "region": "r"}) == [
        ("vpc_id", "String should match pattern '^vpc-[0-9a-f]+$'")
    ]
    assert problems(models.StepEvent, "not an event") == [
        ("", "Input should be a valid dictionary or instance of StepEvent")
    ]


def test_the_message_names_each_field_and_a_secret_events_leaves_the_values_out() -> None:
    with pytest.raises(ValidationError) as err:
        models.ApprovalRequest.model_validate({"token": "s3cret" * 400, "step": {}, "execution": 7})
    assert str(err.value).startswith("2 validation errors for ApprovalRequest\ntoken\n")
    assert "execution\n  Input should be a valid string [input_value=7]" in str(err.value)
    assert err.value.redacted() == (
        "token: String should have at most 2048 characters; execution: Input should be a valid string"
    )
    assert "s3cret" not in err.value.redacted() and err.value.error_count() == 2
    assert str(pickle.loads(pickle.dumps(err.value))) == str(err.value)  # an error crosses processes whole


def test_json_numbers_as_pydantic_reads_them_and_nothing_else_coerced() -> None:
    gate = models.GateConfig.model_validate({"consecutive": 3.0, "timeout_seconds": 60})
    assert gate.consecutive == 3 and type(gate.consecutive) is int
    assert gate.timeout_seconds == 60.0 and type(gate.timeout_seconds) is float
    assert problems(models.GateConfig, {"consecutive": 2.5}) == [
        ("consecutive", "Input should be a valid integer")
    ]
    assert problems(models.GateConfig, {"consecutive": True}) == [
        ("consecutive", "Input should be a valid integer")
    ]
    assert problems(models.GateConfig, {"consecutive": "3"}) == [
        ("consecutive", "Input should be a valid integer")
    ]
    assert problems(models.RunRef, {"bucket": 1, "prefix": "p/", "region": "r"}) == [
        ("bucket", "Input should be a valid string")
    ]


def test_unknown_fields_aliases_defaults_dump_and_copy() -> None:
    step = models.StepEvent.model_validate({"step": {"i": 1}, "config": {}, "execution": "e", "later": 1})
    assert not hasattr(step, "later")  # ignored (an event may carry more than a function reads)
    assert step.mode == "forward" and step.ctx is None and step.config.gate.consecutive == 3
    again = models.StepEvent.model_validate(step.model_dump())
    assert again == step and again.config is not step.config
    other = models.StepEvent.model_validate({"step": {}, "config": {}, "execution": "f"})
    other.config.poll.expected_seconds["change"] = 30.0
    assert step.config.poll.expected_seconds == {}  # a default is made for each event
    copy = step.model_copy(update={"mode": "undo"})
    assert (copy.mode, step.mode, copy.step is step.step) == ("undo", "forward", True)
    assert step.model_dump(exclude_defaults=True) == {"step": {"i": 1}, "config": {}, "execution": "e"}

    vpc = models.CloudTrailVpc.model_validate({"vpcId": "vpc-0a1", "ownerId": ACCOUNT})
    assert (vpc.vpc_id, vpc.owner_id) == ("vpc-0a1", ACCOUNT)
    assert models.CloudTrailVpc.model_validate({"vpc_id": "vpc-0a1"}).model_dump(by_alias=True) == {
        "vpcId": "vpc-0a1",
        "ownerId": None,
    }
    assert problems(CreateVpcEvent, {"detail-type": "x"})[0] == ("version", "Field required")


def test_the_constructor_validates_and_a_request_model_converts() -> None:
    with pytest.raises(ValidationError, match="region\n  Field required"):
        models.Ctx(accounts={})
    req = request.MigrationInput.model_validate(
        {"profile": "p", "endpoints": ["e"], "accounts": {"net": {"id": ACCOUNT, "role_arn": ROLE}}}
    )
    ctx = models.Ctx(region=req.region, accounts=req.accounts)  # the console's (pydantic) accounts
    assert ctx.accounts["net"] == models.AccountRef(id=ACCOUNT, role_arn=ROLE)


def test_an_annotation_it_cannot_check_is_refused_when_the_class_is_made() -> None:
    with pytest.raises(TypeError, match="annotation .* is not supported"):

        class Bad(Model):
            when: set[str] = Field(default_factory=set)

    with pytest.raises(TypeError, match="validates unknown field 'nope'"):

        class Worse(Model):
            x: int = 1

            @field_validator("nope")
            @classmethod
            def _check(cls, v: int) -> int:
                return v


SHARED: list[tuple[type[Model], type[pydantic.BaseModel], dict[str, Any]]] = [
    *[
        (models.GateConfig, request.GateConfig, d)
        for d in (
            {},
            {"consecutive": 20, "interval_seconds": 300, "timeout_seconds": 0.5},
            {"consecutive": 21},
            {"interval_seconds": 0},
            {"timeout_seconds": -1, "proof_timeout_seconds": 86401},
            {"concurrency": "many"},
            {"consecutive": 2.0},
            {"nope": 1},
            {"consecutive": 2, "settled_answers": 3},
            {"consecutive": 2, "settled_answers": 2},
        )
    ],
    *[
        (models.PollConfig, request.PollConfig, d)
        for d in (
            {"expected_seconds": {"change": 30, "endpoint": 0}},
            {"expected_seconds": {"zone": 30}},
            {"expected_seconds": {"change": 86401}},
            {"expected_seconds": {"change": "soon"}},
            {"initial_seconds": 301, "max_seconds": 0},
        )
    ],
    *[
        (models.AccountRef, request.AccountRef, d)
        for d in (
            {"id": ACCOUNT},
            {"id": ACCOUNT, "role_arn": ROLE},
            {"id": "0123"},
            {"id": ACCOUNT, "role_arn": "arn:aws:iam::1:user/x"},
            {"role_arn": None},
            {"id": 111111111111},
        )
    ],
]


@pytest.mark.parametrize(("light", "heavy", "data"), SHARED)
def test_the_console_request_and_the_events_agree_on_the_shared_models(
    light: type[Model], heavy: type[pydantic.BaseModel], data: dict[str, Any]
) -> None:
    """One declaration (models.py), two readers: the request's pydantic model (typed.as_pydantic) accepts
    what the event's accepts, with the same values, and refuses the rest with the same words."""
    try:
        expected = heavy.model_validate(data)
    except pydantic.ValidationError as exc:
        theirs = [(".".join(map(str, e["loc"])), e["msg"]) for e in exc.errors()]
        ours = problems(light, data)
        assert [loc for loc, _ in ours] == [loc for loc, _ in theirs]
        for (_, mine), (_, msg) in zip(ours, theirs, strict=True):
            assert msg.startswith(mine), (mine, msg)  # pydantic may add why a string is no number
    else:
        assert light.model_validate(data).model_dump() == expected.model_dump()
