"""The one idiom at the Lambda edge (issue 12): every handler parses its event into its typed model
(:mod:`profile_migrator.typed`) inside Powertools' Logger/Tracer/Metrics stack, so a bad event fails naming
the field and the reason before the domain runs (no AWS call is attempted)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from profile_migrator import handlers, onboarding_handlers
from profile_migrator.typed import ValidationError


@dataclass
class Context:
    function_name: str = "test"
    memory_limit_in_mb: int = 128
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:111111111111:function:test"
    aws_request_id: str = "req-1"


@pytest.fixture(autouse=True)
def _namespace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "ProfileMigratorTest")  # template.yaml Globals


@pytest.mark.parametrize(
    ("handler", "event", "field"),
    [
        (handlers.lock, {"op": "grab", "execution": "run-1"}, "op"),
        (handlers.status, {"result": {}, "mode": "forward"}, "config"),
        (handlers.step_handler("DeleteZone"), {"step": {"action": "delete-zone"}, "config": {}}, "execution"),
        (
            onboarding_handlers.decide,
            {"request": {"vpc_id": "vpc-nothex!", "account": "1", "region": "x"}},
            "vpc_id",
        ),
    ],
)
def test_a_bad_event_fails_naming_the_field_before_the_domain_runs(
    handler: Any, event: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as err:
        handler(event, Context())
    assert field in str(err.value)


def test_a_step_function_refuses_an_action_it_does_not_perform() -> None:
    """The step function's allowed actions come from the vocabulary (vocabulary.actions_of_function)."""
    from profile_migrator.actions import ActionError

    event = {"step": {"index": 1, "action": "delete-zone"}, "config": {}, "execution": "run-1"}
    with pytest.raises(ActionError, match="does not perform 'delete-zone'"):
        handlers.step_handler("EnablePrivateDns")(event, Context())
    with pytest.raises(ValueError, match="no step action is performed by function 'Nope'"):
        handlers.step_handler("Nope")
