"""How a plan becomes the state machine's input: waves of steps, approvals, gates, and the undo plan.

Pure (no boto3). The state machine runs ``waves`` one at a time (a Map with MaxConcurrency 1); the
steps of one wave run together (a Map bounded by :data:`planner.MAX_WAVE`, RL-1); after a wave the
probe gate of its VPCs must pass. Compensation runs the inverse of every performed step, newest first,
then proves with the probes that every watched VPC resolves privately again, as at the start.
"""

from __future__ import annotations

from typing import Any, Literal

from .planner import DESTRUCTIVE, INVERSE, Plan

# Each action runs in the function of its pair: an inverse-only action goes to its forward twin's
# function (one function per step action, each able to undo what it does).
ACTION_FUNCTIONS: dict[str, str] = {
    "associate-vpc-with-profile": "AssociateVpcWithProfile",
    "disassociate-vpc-from-profile": "AssociateVpcWithProfile",
    "associate-zone-with-profile": "AssociateZoneWithProfile",
    "disassociate-zone-from-profile": "DisassociateZoneFromProfile",
    "authorize-vpc-association": "AuthorizeVpcAssociation",
    "revoke-vpc-association": "AuthorizeVpcAssociation",
    "associate-vpc-with-zone": "AssociateVpcWithZone",
    "disassociate-vpc-from-zone": "DisassociateVpcFromZone",
    "enable-private-dns": "EnablePrivateDns",
    "disable-private-dns": "EnablePrivateDns",
    "associate-endpoint-with-profile": "AssociateEndpointWithProfile",
    "disassociate-endpoint-from-profile": "AssociateEndpointWithProfile",
    "create-parking-vpc": "CreateParkingVpc",
    "delete-parking-vpc": "DeleteParkingVpc",
    "delete-zone-record": "DeleteZoneRecord",
    "create-zone-record": "DeleteZoneRecord",
    "delete-zone": "DeleteZone",
    "create-zone": "DeleteZone",
}

# The function names (logical ids) in the order the state machine's Choice lists them.
STEP_FUNCTIONS: list[str] = list(dict.fromkeys(ACTION_FUNCTIONS.values()))

ApprovalMode = Literal["none", "destructive", "every-step"]


def needs_approval(action: str, mode: str) -> bool:
    if mode == "every-step":
        return True
    if mode == "destructive":
        return action in DESTRUCTIVE
    return False


def waves(plan: Plan, approvals: str) -> list[dict[str, Any]]:
    """The plan's steps grouped by wave, each step marked for approval; each wave has its gate."""
    out: list[dict[str, Any]] = []
    by_wave: dict[int, dict[str, Any]] = {}
    for i, step in enumerate(plan.steps, start=1):
        js = step.to_json(i)
        js["approval"] = needs_approval(step.action, approvals)
        js["function"] = ACTION_FUNCTIONS[step.action]
        w = by_wave.get(step.wave)
        if w is None:
            w = {"wave": step.wave, "steps": [], "gate": []}
            by_wave[step.wave] = w
            out.append(w)
        w["steps"].append(js)
        for vpc in step.gate:
            if vpc not in w["gate"]:
                w["gate"].append(vpc)
    return out


def undo_waves(performed: list[dict[str, Any]], watched: list[str]) -> list[dict[str, Any]]:
    """The inverses of ``performed`` steps (as recorded, with what they saved), newest first, one per
    wave, then a last wave with no steps whose gate is every watched VPC: the proof that DNS is back."""
    out: list[dict[str, Any]] = []
    for rec in sorted(performed, key=lambda r: int(r["index"]), reverse=True):
        inverse = INVERSE.get(rec["action"])
        if inverse is None:
            continue
        step = {k: v for k, v in rec.items() if k not in ("action", "approval", "function", "gate", "wave")}
        step.update(action=inverse, function=ACTION_FUNCTIONS[inverse], approval=False, undo_of=rec["index"])
        # No gate per undo step: a VPC whose resolver is failing (the reason for the rollback, maybe)
        # must not block the undo; the last wave proves every watched VPC at once.
        out.append({"wave": len(out) + 1, "steps": [step], "gate": []})
    out.append({"wave": len(out) + 1, "steps": [], "gate": list(watched)})
    return out
