"""The action table walked for real in the twin: every step up to the point of no return (and the
reversible cleanup step, delete-zone-record) is performed, then every inverse the compensation would
run, newest first; the estate must be the starting one. Across the examples every reversible action and
its inverse is performed (issue 9: "every action's inverse is performable")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from performing import FAST, settle
from profile_migrator import actions
from profile_migrator.estate import dump_scenario, parse_scenario
from profile_migrator.planner import plan
from profile_migrator.vocabulary import INVERSE
from profile_migrator.workflow import phases, undo_waves

from twin.core import Twin

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
WALKED = ["path1-direct-phz.yaml", "multi-account.yaml", "path2-bridge-copies.yaml"]


def _scenario(example: str) -> Any:
    doc = yaml.safe_load((EXAMPLES / example).read_text())
    doc["twin"] = {**doc.get("twin", {}), **FAST}
    return parse_scenario(doc, example)


def _reversible(scn: Any) -> list[dict[str, Any]]:
    """The steps the walk performs forward: every reversible one of the plan, in plan order."""
    switch, cleanup = phases(plan(scn), "none")
    return [s for w in switch + cleanup for s in w["steps"] if INVERSE[s["action"]] is not None]


def _settle(ctx: actions.Context, waits: list[actions.Wait]) -> None:
    assert settle(ctx, waits) == "settled", waits


def _estate(tw: Twin) -> dict[str, Any]:
    doc = dump_scenario(tw.discover().scenario)
    out: dict[str, Any] = {}
    for key in ("vpcs", "endpoints", "hosted_zones"):
        out[key] = {k: v for k, v in doc.get(key, {}).items() if not k.startswith("parking-")}
    out["profiles"] = {
        k: {
            "vpcs": sorted(v.get("vpcs", []), key=repr),
            "zones": v.get("hosted_zones", []),
            "endpoints": v.get("endpoints", []),
        }
        for k, v in doc.get("profiles", {}).items()
    }
    for zone in out["hosted_zones"].values():
        zone["vpcs"] = sorted(zone.get("vpcs", []))
    return out


@pytest.mark.parametrize("example", WALKED)
def test_every_step_before_the_point_of_no_return_is_undone_for_real(example: str) -> None:
    scn = _scenario(example)
    reversible = _reversible(scn)
    tw = Twin(scn).start()
    try:
        ctx = tw.context()
        start = _estate(tw)
        done: list[dict[str, Any]] = []
        for step in reversible:
            saved: dict[str, Any] = {}
            _settle(ctx, actions.perform(ctx, step, saved))
            done.append({**step, "saved": saved, "mode": "forward"})
        assert _estate(tw) != start
        for wave in undo_waves(done, []):
            for step in wave["steps"]:
                _settle(ctx, actions.perform(ctx, step, dict(step.get("saved") or {})))
        assert _estate(tw) == start
    finally:
        tw.stop()


def test_the_walk_covered_every_reversible_action_and_its_inverse() -> None:
    # What the walks above perform, derived the way they derive it (self-contained: any test order, any worker).
    walked: set[str] = set()
    for example in WALKED:
        forward = [{**s, "saved": {}, "mode": "forward"} for s in _reversible(_scenario(example))]
        walked |= {s["action"] for s in forward}
        walked |= {s["action"] for w in undo_waves(forward, []) for s in w["steps"]}
    wanted = {a for a, inv in INVERSE.items() if inv is not None} | {inv for inv in INVERSE.values() if inv}
    assert wanted <= walked, wanted - walked
