"""Lock take-over and probe-gate streaks (runtime.lock, runtime.gate_check) through their ports, with
in-memory fakes of the run table, Step Functions and the probes (issue 12): no AWS, no twin."""

from __future__ import annotations

from typing import Any

import pytest
from profile_migrator import pause
from profile_migrator.models import Config, Ctx, GateConfig, GateEvent, LockEvent, Mode
from profile_migrator.ports import ConditionFailed, Doc
from profile_migrator.runtime import (
    GateFailed,
    InFlight,
    Locked,
    Observer,
    changes_in_flight,
    gate_check,
    lock,
)

from .helpers import LAMBDA, REGION


class FakeRunStore:
    """The run table: a conditional write holds when no item is there (``or_absent``) or the item's
    ``execution`` is ``held_by``."""

    def __init__(self) -> None:
        self.docs: dict[tuple[str, str], dict[str, Any]] = {}

    def _holds(self, pk: str, sk: str, held_by: str | None, or_absent: bool) -> bool:
        old = self.docs.get((pk, sk))
        if held_by is None and not or_absent:
            return True
        if old is None:
            return or_absent
        return held_by is not None and old.get("execution") == held_by

    def put(self, pk: str, sk: str, doc: Doc, *, held_by: str | None = None, or_absent: bool = False) -> None:
        if not self._holds(pk, sk, held_by, or_absent):
            raise ConditionFailed(pk)
        self.docs[(pk, sk)] = dict(doc)

    def get(self, pk: str, sk: str) -> dict[str, Any] | None:
        return self.docs.get((pk, sk))

    def delete(self, pk: str, sk: str, *, held_by: str | None = None) -> None:
        if self._holds(pk, sk, held_by, False):
            self.docs.pop((pk, sk), None)

    def items(self, pk: str) -> list[dict[str, Any]]:
        return [doc for (p, _), doc in sorted(self.docs.items()) if p == pk]


class FakeExecutions:
    def __init__(self, statuses: dict[str, str]) -> None:
        self.statuses = statuses
        self.asked: list[str] = []

    def status(self, execution_arn: str) -> str:
        self.asked.append(execution_arn)
        return self.statuses.get(execution_arn, "GONE")


def _acquire(runs: FakeRunStore, executions: FakeExecutions, me: str, *keys: str) -> dict[str, Any]:
    ev = LockEvent(op="acquire", keys=list(keys), execution=me, execution_arn=f"arn:sfn:{me}")
    return lock(ev, runs, executions)


def _holder(runs: FakeRunStore, key: str) -> str | None:
    item = runs.get(f"lock#{key}", "lock")
    return None if item is None else str(item["execution"])


def test_free_locks_are_taken_and_taking_them_again_is_idempotent() -> None:
    runs, sfn = FakeRunStore(), FakeExecutions({})
    assert _acquire(runs, sfn, "run-1", "vpce-a", "vpce-b") == {"op": "acquire", "keys": 2}
    _acquire(runs, sfn, "run-1", "vpce-a", "vpce-b")  # a redrive (SF-2)
    assert _holder(runs, "vpce-a") == _holder(runs, "vpce-b") == "run-1"
    assert sfn.asked == []  # nobody else held them: Step Functions is not asked


@pytest.mark.parametrize("status", ["SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT", "GONE"])
def test_a_lock_whose_holder_no_longer_runs_is_taken_over(status: str) -> None:
    runs, sfn = FakeRunStore(), FakeExecutions({"arn:sfn:old": status})
    runs.put("lock#vpce-a", "lock", {"execution": "old", "execution_arn": "arn:sfn:old"})
    _acquire(runs, sfn, "new", "vpce-a")
    assert _holder(runs, "vpce-a") == "new" and sfn.asked == ["arn:sfn:old"]


def test_a_lock_held_by_a_running_execution_refuses_and_leaves_nothing_half_taken() -> None:
    runs, sfn = FakeRunStore(), FakeExecutions({"arn:sfn:other": "RUNNING"})
    runs.put("lock#vpce-b", "lock", {"execution": "other", "execution_arn": "arn:sfn:other"})
    with pytest.raises(Locked, match="endpoint vpce-b is being migrated by execution other"):
        _acquire(runs, sfn, "me", "vpce-a", "vpce-b")
    assert _holder(runs, "vpce-a") is None  # taken first, released when vpce-b refused
    assert _holder(runs, "vpce-b") == "other"


def test_release_removes_only_the_locks_this_execution_holds() -> None:
    runs, sfn = FakeRunStore(), FakeExecutions({})
    _acquire(runs, sfn, "me", "vpce-a")
    runs.put("lock#vpce-b", "lock", {"execution": "other"})
    lock(LockEvent(op="release", keys=["vpce-a", "vpce-b"], execution="me"), runs, sfn)
    assert _holder(runs, "vpce-a") is None and _holder(runs, "vpce-b") == "other"


# -- probe gates -----------------------------------------------------------------------------------


class ScriptedProbes:
    """Each invocation of a VPC's probe answers the next class of its script (``raise``: the invocation
    fails)."""

    def __init__(self, scripts: dict[str, list[str]]) -> None:
        self.scripts = {arn: list(s) for arn, s in scripts.items()}
        self.calls = 0

    def invoke(self, function_arn: str, payload: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        cls = self.scripts[function_arn].pop(0)
        if cls == "raise":
            raise RuntimeError("probe unreachable")
        return {"answers": {n: {"class": cls} for n in payload["names"]}}


CTX = Ctx(
    region=REGION,
    accounts={"network": {"id": "111111111111"}},
    probes={"dev": "arn:probe:dev", "prod": "arn:probe:prod"},
    watched={"dev": [LAMBDA], "prod": [LAMBDA]},
)


def _gate(
    probes: ScriptedProbes,
    vpcs: list[str],
    checks: int,
    mode: Mode = "forward",
    observed: list[dict[str, Any]] | None = None,
    **cfg: Any,
) -> list[dict[str, Any]]:
    """Run ``checks`` gate checks, each fed the state the previous one returned (as the ASL loop does)."""
    config = Config(
        gate=GateConfig(**{"consecutive": 3, "interval_seconds": 5, "timeout_seconds": 60, **cfg})
    )
    state: dict[str, Any] = {}
    out: list[dict[str, Any]] = []
    for _ in range(checks):
        # The first check gets the steps' results (GateCheck); the next ones their own state (GateAgain).
        seen = [] if state else list(observed or [])
        ev = GateEvent(ctx=CTX, vpcs=vpcs, config=config, state=state, mode=mode, observed=seen)
        state = gate_check(ev, probes)
        out.append(state)
    return out


def test_the_gate_passes_after_n_consecutive_private_answers_in_every_vpc() -> None:
    probes = ScriptedProbes({"arn:probe:dev": ["private"] * 3, "arn:probe:prod": ["private"] * 3})
    results = _gate(probes, ["dev", "prod"], 3)
    assert [r["status"] for r in results] == ["pending", "pending", "passed"]
    assert results[-1]["streaks"] == {f"dev|{LAMBDA}": 3, f"prod|{LAMBDA}": 3}
    assert [r["elapsed"] for r in results] == [0, 5, 10] and probes.calls == 6


def test_a_non_private_answer_resets_the_streak() -> None:
    script = ["private", "private", "public", "private", "private", "private"]
    probes = ScriptedProbes({"arn:probe:dev": script})
    results = _gate(probes, ["dev"], 6)
    assert [r["streaks"][f"dev|{LAMBDA}"] for r in results] == [1, 2, 0, 1, 2, 3]
    assert [r["status"] for r in results] == ["pending"] * 5 + ["passed"]
    assert results[2]["last"] == {f"dev|{LAMBDA}": "public"}


def test_a_probe_that_cannot_be_invoked_is_a_failed_answer_never_a_pass() -> None:
    probes = ScriptedProbes({"arn:probe:dev": ["private", "raise", "private", "private", "private"]})
    results = _gate(probes, ["dev"], 5)
    assert results[1]["last"] == {f"dev|{LAMBDA}": "probe-error:RuntimeError"}
    assert [r["status"] for r in results] == ["pending"] * 4 + ["passed"]


def test_a_gate_that_does_not_pass_in_time_fails_naming_the_vpc_and_its_last_answer() -> None:
    probes = ScriptedProbes({"arn:probe:dev": ["private", "nxdomain", "private", "private"]})
    with pytest.raises(GateFailed) as err:
        _gate(probes, ["dev"], 4, timeout_seconds=15)  # the 4th check is at 15 s, one private short
    assert f"dev {LAMBDA} answered" not in str(err.value)  # its last answer was private …
    assert "dev did not resolve privately 3 times in a row within 15 s" in str(err.value)


def test_the_rollback_proof_waits_for_its_own_longer_timeout() -> None:
    probes = ScriptedProbes({"arn:probe:dev": ["public"] * 4 + ["private"] * 3})
    results = _gate(probes, ["dev"], 7, mode="undo", timeout_seconds=15, proof_timeout_seconds=120)
    assert results[-1]["status"] == "passed"
    with pytest.raises(
        GateFailed, match=f"rollback's proof: dev .* last answers not private: dev {LAMBDA} answered public"
    ):
        _gate(
            ScriptedProbes({"arn:probe:dev": ["public"] * 4}),
            ["dev"],
            4,
            mode="undo",
            proof_timeout_seconds=15,
        )


# -- A take-over waits for what the previous holder left in flight (AS-5) -----------------------------------


class FakeChanges:
    """Recorded changes by id: ``pending`` until the test settles them."""

    def __init__(self, states: dict[str, str]) -> None:
        self.states = states
        self.polled: list[str] = []

    def poll(self, waits: list[dict[str, Any]]) -> str:
        self.polled += [str(w["id"]) for w in waits]
        got = [self.states.get(str(w["id"]), "settled") for w in waits]
        return "failed" if "failed" in got else ("pending" if "pending" in got else "settled")


def _held(runs: FakeRunStore, key: str, holder: str, *records: dict[str, Any]) -> None:
    runs.put(f"lock#{key}", "lock", {"execution": holder, "execution_arn": f"arn:sfn:{holder}"})
    for i, rec in enumerate(records):
        runs.put(f"run#{holder}", f"step#{i:05d}", {"index": i, "action": "x", **rec})


def _done(change: str, called_at: float, **more: Any) -> dict[str, Any]:
    return {"status": "done", "waits": [{"kind": "change", "id": change}], "called_at": called_at, **more}


def _in_flight(runs: FakeRunStore, sfn: FakeExecutions, changes: FakeChanges, *keys: str) -> InFlight:
    return changes_in_flight(list(keys), "new", changes, 600.0, runs, sfn)


def test_an_aborted_holders_pending_change_is_waited_for_then_released() -> None:
    runs, sfn = FakeRunStore(), FakeExecutions({"arn:sfn:old": "ABORTED"})
    now = pause.now()
    _held(runs, "vpce-a", "old", _done("C1", now - 5), _done("C2", now - 5, settled=True))
    changes = FakeChanges({"C1": "pending", "C2": "pending"})
    left = _in_flight(runs, sfn, changes, "vpce-a")
    assert (
        left.stuck == [] and len(left.pending) == 1 and "C1" in left.pending[0] and "old" in left.pending[0]
    )
    assert changes.polled == ["C1"]  # a change its step saw settle is not asked again
    changes.states["C1"] = "settled"
    assert _in_flight(runs, sfn, changes, "vpce-a") == InFlight(pending=[], stuck=[])


def test_a_change_pending_past_the_poll_timeout_is_stuck_and_named() -> None:
    runs, sfn = FakeRunStore(), FakeExecutions({"arn:sfn:old": "FAILED"})
    _held(runs, "vpce-a", "old", _done("C9", pause.now() - 900))
    left = _in_flight(runs, sfn, FakeChanges({"C9": "pending"}), "vpce-a")
    assert left.pending == [] and len(left.stuck) == 1 and "change C9" in left.stuck[0]


def test_a_step_started_moments_ago_may_still_be_calling_aws() -> None:
    runs, sfn = FakeRunStore(), FakeExecutions({"arn:sfn:old": "ABORTED"})
    _held(runs, "vpce-a", "old", {"status": "started", "attempt_at": pause.now() - 3})
    assert len(_in_flight(runs, sfn, FakeChanges({}), "vpce-a").pending) == 1
    _held(runs, "vpce-b", "older", {"status": "started", "attempt_at": pause.now() - 120})
    sfn.statuses["arn:sfn:older"] = "ABORTED"  # its function's timeout has passed: nothing is calling AWS
    assert _in_flight(runs, sfn, FakeChanges({}), "vpce-b") == InFlight(pending=[], stuck=[])


def test_a_running_holder_or_our_own_lock_is_not_waited_for() -> None:
    runs, sfn = FakeRunStore(), FakeExecutions({"arn:sfn:busy": "RUNNING"})
    now = pause.now()
    _held(runs, "vpce-a", "busy", _done("C1", now))
    _held(runs, "vpce-b", "new", _done("C2", now))  # a redrive of this very execution (SF-2)
    changes = FakeChanges({"C1": "pending", "C2": "pending"})
    assert _in_flight(runs, sfn, changes, "vpce-a", "vpce-b") == InFlight(pending=[], stuck=[])
    assert changes.polled == []  # the lock step refuses a running holder (Locked)


# -- The gate overlapping the change: streaks the steps counted while their changes settled (issue 11) --------


def _seen(at: float, **streaks: int) -> dict[str, Any]:
    """A step's result whose function probed while its change settled (runtime.Observer)."""
    return {
        "state": "settled",
        "probe": {"at": at, "streaks": {f"{v}|{LAMBDA}": n for v, n in streaks.items()}},
    }


def test_a_streak_counted_while_the_change_settled_needs_one_answer_after_it() -> None:
    probes = ScriptedProbes({"arn:probe:dev": ["private"], "arn:probe:prod": ["private"]})
    [out] = _gate(probes, ["dev", "prod"], 1, observed=[_seen(10, dev=2, prod=2)])
    assert out["status"] == "passed" and out["seeded"] == 2 and out["own"] == 1
    assert probes.calls == 2  # one round of the gate's own answers, after the wave settled


def test_an_answer_after_the_change_that_is_not_private_throws_the_counted_streak_away() -> None:
    probes = ScriptedProbes({"arn:probe:dev": ["nxdomain", "private", "private", "private"]})
    results = _gate(probes, ["dev"], 4, observed=[_seen(10, dev=2)])
    assert [r["streaks"][f"dev|{LAMBDA}"] for r in results] == [0, 1, 2, 3]
    assert [r["status"] for r in results] == ["pending"] * 3 + ["passed"]


def test_the_gate_takes_settled_answers_itself_whatever_the_steps_counted() -> None:
    probes = ScriptedProbes({"arn:probe:dev": ["private"] * 3})
    results = _gate(probes, ["dev"], 2, observed=[_seen(10, dev=9)], settled_answers=2)
    assert [r["streaks"][f"dev|{LAMBDA}"] for r in results] == [2, 3]  # 9 counted, capped at 3 - 2
    assert [r["status"] for r in results] == ["pending", "passed"]
    probes = ScriptedProbes({"arn:probe:dev": ["private"] * 3})
    results = _gate(probes, ["dev"], 3, observed=[_seen(10, dev=9)], settled_answers=3)
    assert [r["status"] for r in results] == ["pending", "pending", "passed"]  # the gate counts only its own


def test_the_step_that_probed_last_speaks_for_a_vpc_and_a_rollback_proof_counts_only_its_own() -> None:
    # Two steps of a wave probed dev; the later saw a non-private answer last: nothing is counted for dev.
    probes = ScriptedProbes({"arn:probe:dev": ["private"] * 3})
    results = _gate(probes, ["dev"], 3, observed=[_seen(10, dev=2), _seen(12, dev=0)])
    assert [r["status"] for r in results] == ["pending", "pending", "passed"]
    probes = ScriptedProbes({"arn:probe:dev": ["private"] * 3})
    results = _gate(probes, ["dev"], 3, mode="undo", observed=[_seen(10, dev=2)])
    assert [r["status"] for r in results] == ["pending", "pending", "passed"]


def test_settled_answers_cannot_exceed_the_streak() -> None:
    with pytest.raises(ValueError, match=r"settled_answers \(4\) must not exceed consecutive \(3\)"):
        GateConfig(consecutive=3, settled_answers=4)


def test_the_steps_probe_from_the_last_intervals_before_the_change_is_expected_to_settle() -> None:
    res = {"gate": ["dev", "prod"], "endpoint": None}
    cfg = GateConfig(consecutive=3, interval_seconds=2)
    probes = ScriptedProbes(
        {"arn:probe:dev": ["private", "public"], "arn:probe:prod": ["private", "private"]}
    )
    observer = Observer.of(CTX, res, cfg, probes)
    assert observer is not None
    assert observer.window(30.0) == 24.0 and observer.window(5.0) == 0.0 and observer.window(0.0) is None
    observer.observe(res)
    observer.observe(res)
    assert res["probe"]["streaks"] == {f"dev|{LAMBDA}": 0, f"prod|{LAMBDA}": 2}
    assert Observer.of(CTX, res, GateConfig(consecutive=2, settled_answers=2), probes) is None
