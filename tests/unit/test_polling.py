"""How a step waits for AWS and which steps share a wave (issue 11: fewer transitions, less waiting)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from profile_migrator import pause
from profile_migrator.estate import load_scenario
from profile_migrator.models import Config, Ctx, GateConfig, GateEvent, PollConfig
from profile_migrator.planner import plan
from profile_migrator.runtime import Budget, expected_seconds, gate_check, next_interval
from profile_migrator.workflow import lanes, phases

from .helpers import LAMBDA, REGION
from .replay import check_plan

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CFG = PollConfig(
    initial_seconds=2,
    max_seconds=30,
    expected_seconds={"change": 30, "endpoint": 60, "profile-association": 20},
)


def test_first_poll_at_the_expected_duration_then_short_then_growing() -> None:
    assert next_interval(0.4, 30, CFG) == 30  # whole seconds, rounded up: never polls before it is due
    assert next_interval(12, 30, CFG) == 18
    assert next_interval(30.5, 30, CFG) == 2  # past the expected duration: the short interval
    assert next_interval(59, 30, CFG) == 2
    late = [next_interval(t, 30, CFG) for t in (70, 100, 200, 400)]
    assert late == sorted(late) and late[-1] == 30  # an overrunning change: less and less often, capped
    assert next_interval(0, 0, CFG) == 2  # nothing expected: short polls from the start


def test_expected_duration_is_the_slowest_wait_and_a_gone_kind_is_its_associations() -> None:
    waits = [{"kind": "change"}, {"kind": "profile-association-gone"}]
    assert expected_seconds(waits, CFG) == 30
    assert expected_seconds([{"kind": "resource-association"}], CFG) == 0  # not configured: unknown


def test_the_critical_path_counts_a_disassociation_as_long_as_its_association() -> None:
    """The overhead's denominator (twin.run._critical_path): a DELETING association is an AWS wait too
    (AS-1; the twin's route53profiles keeps one duration per kind for both directions)."""
    from twin.run import _critical_path

    scn = load_scenario(EXAMPLES / "path1-direct-phz.yaml")
    d = scn.twin.durations

    def wave(*actions: str, wait: bool | None = None) -> dict[str, Any]:
        return {"steps": [{"action": a, **({} if wait is None else {"wait": wait})} for a in actions]}

    assert _critical_path(scn, [wave("disassociate-zone-from-profile")]) == d.resource_association
    assert _critical_path(scn, [wave("disassociate-vpc-from-profile")]) == d.profile_association
    assert _critical_path(scn, [wave("disassociate-vpc-from-zone", "create-parking-vpc")]) == d.phz_change
    assert _critical_path(scn, [wave("delete-zone-record", wait=False)]) == 0  # not waited for
    assert _critical_path(scn, [wave("enable-private-dns"), wave("delete-zone")]) == (
        d.endpoint_pending + d.phz_change
    )


def test_expected_seconds_refuses_an_unknown_kind_naming_it() -> None:
    with pytest.raises(ValueError, match="'zone' is not a wait kind"):
        PollConfig(expected_seconds={"zone": 30})


def test_a_function_sleeps_in_task_only_below_the_price_of_a_wait_state_loop() -> None:
    # 3 transitions ($0.000075) buy 18 s of a 256 MB function, 36 s of a 128 MB one.
    assert 17.5 < Budget(remaining=lambda: 60, memory_mb=256).in_task_limit() < 18.5
    assert 35 < Budget(remaining=lambda: 60, memory_mb=128).in_task_limit() < 37
    assert Budget.unlimited().remaining() == 0


def test_pause_sleeps_on_the_installed_clock() -> None:
    slept: list[float] = []
    pause.install(slept.append, lambda: 1000.0)
    try:
        pause.sleep(2)
        pause.sleep(0)
        assert slept == [2] and pause.now() == 1000.0
    finally:
        pause.install(None)


@pytest.mark.parametrize(
    "example",
    [
        "path1-direct-phz.yaml",
        "path2-profile-phz.yaml",
        "multi-account.yaml",
        "two-profiles.yaml",
        "greenfield.yaml",
        "path2-bridge-copies.yaml",
    ],
)
def test_parking_shares_the_waves_of_steps_2_and_3_and_the_plan_stays_proven(example: str) -> None:
    scn = load_scenario(EXAMPLES / example)
    p = plan(scn)
    obj = p.to_json()
    check_plan(scn, obj)
    # The steps of a wave run together: the other order inside each wave is proven too.
    swapped = sorted(obj["steps"], key=lambda s: (s["wave"], -s["index"]))
    check_plan(scn, {**obj, "steps": swapped})
    switch, _ = phases(p, "none")
    for w in switch:
        actions = [s["action"] for s in w["steps"]]
        if "create-parking-vpc" in actions and len(actions) > 1:
            assert sorted(actions) == ["create-parking-vpc", "disassociate-vpc-from-zone"]
        if "associate-vpc-with-zone" in actions and "enable-private-dns" in actions:
            assert len(actions) == 2
            assert next(s for s in w["steps"] if s["action"] == "associate-vpc-with-zone")["vpc"].startswith(
                "parking-"
            )
    # Path 1 and path 2: the parking VPC no longer takes two waves of its own.
    if example in ("path1-direct-phz.yaml", "path2-profile-phz.yaml"):
        alone = [w for w in switch if [s["action"] for s in w["steps"]] == ["create-parking-vpc"]]
        assert not alone
    shared, lanes_, _ = lanes(p, "none")
    for lane in lanes_:  # a wave never mixes lanes
        for w in lane:
            assert len({s.get("endpoint") for s in w["steps"]}) == 1


def test_a_record_deleted_only_to_delete_its_zone_is_not_waited_for() -> None:
    p = plan(load_scenario(EXAMPLES / "path1-direct-phz.yaml"))
    _, cleanup = phases(p, "none")
    steps = {s["action"]: s for w in cleanup for s in w["steps"]}
    assert steps["delete-zone-record"]["wait"] is False
    assert "wait" not in steps["delete-zone"]  # the parking VPC goes after the zone: that one is waited for


def test_the_zone_joins_the_profile_in_the_wave_of_the_vpcs_that_join_it() -> None:
    p = plan(load_scenario(EXAMPLES / "path1-direct-phz.yaml"))
    first = phases(p, "none")[0][0]
    assert [s["action"] for s in first["steps"]] == ["associate-vpc-with-profile"] * 3 + [
        "associate-zone-with-profile"
    ]


def test_greenfield_turns_private_dns_on_while_the_vpc_joins_the_profile() -> None:
    p = plan(load_scenario(EXAMPLES / "greenfield.yaml"))
    first = phases(p, "none")[0][0]
    assert [s["action"] for s in first["steps"]] == ["associate-vpc-with-profile", "enable-private-dns"]


class _Probes:
    """Each invocation of a VPC's probe answers the next class of its script."""

    def __init__(self, scripts: dict[str, list[str]]) -> None:
        self.scripts = {arn: list(s) for arn, s in scripts.items()}
        self.calls = 0

    def invoke(self, function_arn: str, payload: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        return {"answers": {n: {"class": self.scripts[function_arn].pop(0)} for n in payload["names"]}}


def _gate_event(state: dict[str, Any] | None = None) -> GateEvent:
    ctx = Ctx(
        region=REGION,
        accounts={"network": {"id": "111111111111"}},
        probes={"dev": "arn:probe:dev"},
        watched={"dev": [LAMBDA]},
    )
    config = Config(gate=GateConfig(consecutive=3, interval_seconds=2, timeout_seconds=60))
    return GateEvent(ctx=ctx, vpcs=["dev"], config=config, state=state or {})


def test_the_gate_checks_again_in_its_own_invocation_sleeping_the_interval() -> None:
    slept: list[float] = []
    pause.install(slept.append)
    try:
        probes = _Probes({"arn:probe:dev": ["public", "private", "private", "private"]})
        out = gate_check(_gate_event(), probes, Budget(remaining=lambda: 60))
        assert out["status"] == "passed" and out["checks"] == 4 and probes.calls == 4
        assert slept == [2, 2, 2] and out["elapsed"] == 6
        # Near the function's timeout it hands its streaks back to the state machine (GateWait -> GateAgain).
        probes = _Probes({"arn:probe:dev": ["private"] * 3})
        first = gate_check(_gate_event(), probes, Budget(remaining=lambda: 9))
        assert first["status"] == "pending" and first["checks"] == 1
        again = gate_check(_gate_event(first), probes, Budget(remaining=lambda: 60))
        assert again["status"] == "passed" and again["streaks"] == {f"dev|{LAMBDA}": 3}
    finally:
        pause.install(None)
