"""How a plan becomes the state machine's input: waves of steps, approvals, gates, the undo plan, and
the words of failures and warnings.

Pure (no boto3). The state machine runs ``waves`` one at a time (a Map with MaxConcurrency 1); the
steps of one wave run together (a Map bounded by :data:`planner.MAX_WAVE`, RL-1); after a wave the
probe gate of its VPCs must pass. Compensation runs the inverse of every performed step, newest first,
then proves with the probes that every watched VPC resolves privately again, as at the start.

**Point of no return.** The plan's deletions (:data:`CLEANUP`) are moved after its last other step:
once that step's probe gate has passed, every watched VPC resolves through the Profile and what is
left is cleanup of things no watched VPC uses any more (the zone parked on its parking VPC, its
record, the parking VPC). A cleanup step that keeps failing is not undone: the run succeeds with a
warning naming what was left. Before that point every performed action has a performable inverse.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from .vocabulary import (
    ACTION_FUNCTIONS,
    CLEANUP,
    DESTRUCTIVE,
    INVERSE,
    LEFT_CODES,
    STEP_FUNCTIONS,
    Action,
    StepDoc,
)

if TYPE_CHECKING:
    from .planner import Plan

__all__ = ["ACTION_FUNCTIONS", "CLEANUP", "LEFT_CODES", "STEP_FUNCTIONS", "StepDoc"]

# The action tables are the vocabulary's (one spec per action), re-exported here for the workflow's readers.
# After the point of no return (CLEANUP): deletions of what no watched VPC resolves through any more.
# Deferring them to the end changes no watched VPC's answers (the planner deletes a zone only once its
# last association is the parking VPC), and it keeps every step before the switch reversible.
# LEFT_CODES: the warning code of a cleanup step that was left undone (rehearse --json ``warnings``).
# STEP_FUNCTIONS: the step functions' names (logical ids): the state machine's map of their ARNs lists them.


class IrreversibleStep(Exception):
    """An irreversible action was performed before the point of no return (a bug: phases() prevents it)."""


ApprovalMode = Literal["none", "destructive", "every-step"]


def needs_approval(action: str, mode: str) -> bool:
    if mode == "every-step":
        return True
    if mode == "destructive":
        return action in DESTRUCTIVE
    return False


def phases(plan: Plan, approvals: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The plan's steps grouped by wave, each step marked for approval, each wave with its gate: the
    waves up to the point of no return, then the cleanup waves (the :data:`CLEANUP` steps, in plan
    order). Waves are numbered in the order they run; a step keeps its plan index."""
    switch: list[dict[str, Any]] = []
    cleanup: list[dict[str, Any]] = []
    by_wave: dict[tuple[bool, int], dict[str, Any]] = {}
    for i, step in enumerate(plan.steps, start=1):
        js = step.to_json(i)
        js["approval"] = needs_approval(step.action, approvals)
        js["function"] = ACTION_FUNCTIONS[step.action]
        is_cleanup = step.action in CLEANUP
        key = (is_cleanup, step.wave)
        w = by_wave.get(key)
        if w is None:
            w = {"wave": 0, "steps": [], "gate": []}
            by_wave[key] = w
            (cleanup if is_cleanup else switch).append(w)
        w["steps"].append(js)
        for vpc in step.gate:
            if vpc not in w["gate"]:
                w["gate"].append(vpc)
    for n, w in enumerate([*switch, *cleanup], start=1):
        w["wave"] = n
        for js in w["steps"]:
            js["wave"] = n
    # Nothing waits for what changes no watched VPC's DNS: after the point of no return a zone's record
    # deletion is only the way to its deletion (Route 53 refuses to delete a zone with records, CP-4), which
    # needs the record gone, not INSYNC; a change still PENDING makes DeleteHostedZone answer
    # PriorRequestNotComplete (CP-5), which botocore's standard retries wait out. The zone's deletion is
    # still waited for (the parking VPC goes after it).
    deleted = {str(js.get("zone")) for w in cleanup for js in w["steps"] if js["action"] == "delete-zone"}
    for w in cleanup:
        for js in w["steps"]:
            if js["action"] == "delete-zone-record" and str(js.get("zone")) in deleted:
                js["wait"] = False
    return switch, cleanup


def waves(plan: Plan, approvals: str) -> list[dict[str, Any]]:
    """Every wave in the order the state machine runs them (the switch, then the cleanup)."""
    switch, cleanup = phases(plan, approvals)
    return [*switch, *cleanup]


def _lane_of_endpoints(plan: Plan) -> dict[str, int]:
    """Endpoint -> lane number. Two endpoints share a lane when they share a zone or when one's DNS name
    is the other's or a parent of it (RES-2: the most specific name wins, so a parent name's zone can
    answer the child's name). Endpoints in different lanes share nothing a resolution of their names
    depends on: see docs/state-machine.md, "Lanes"."""
    names = list(plan.endpoints)
    parent = {e: e for e in names}

    def find(e: str) -> str:
        while parent[e] != e:
            parent[e] = parent[parent[e]]
            e = parent[e]
        return e

    def related(a: dict[str, Any], b: dict[str, Any]) -> bool:
        da, db = str(a.get("dns_name", "")), str(b.get("dns_name", ""))
        return (
            bool(set(a.get("zones", [])) & set(b.get("zones", [])))
            or da == db
            or da.endswith("." + db)
            or db.endswith("." + da)
        )

    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if related(plan.endpoints[a], plan.endpoints[b]):
                parent[find(b)] = find(a)
    roots: dict[str, int] = {}
    return {e: roots.setdefault(find(e), len(roots)) for e in names}


def lanes(
    plan: Plan, approvals: str
) -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]], list[list[dict[str, Any]]]]:
    """The plan as the state machine runs it: the shared waves (steps of no one endpoint: VPCs joining the
    Profile), then the lanes (each lane's waves, in plan order; lanes run side by side), then the cleanup
    lanes (after the point of no return). An endpoint's own steps keep their order inside its lane; a
    wave never mixes lanes (the planner's waves are per endpoint or shared)."""
    switch, cleanup = phases(plan, approvals)
    lane_of = _lane_of_endpoints(plan)
    count = max(lane_of.values(), default=-1) + 1

    def split(waves_: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]:
        shared: list[dict[str, Any]] = []
        by_lane: list[list[dict[str, Any]]] = [[] for _ in range(count)]
        for w in waves_:
            eps = {s.get("endpoint") for s in w["steps"]}
            if None in eps or len(eps) != 1:
                shared.append(w)
            else:
                by_lane[lane_of[str(next(iter(eps)))]].append(w)
        return shared, by_lane

    shared, forward = split(switch)
    left, clean = split(cleanup)
    if left:  # deletions of no endpoint (an earlier run's parking VPC): a lane of their own, at the end
        clean.append(left)
    return shared, [lane for lane in forward if lane], [lane for lane in clean if lane]


def interleave(
    shared: list[dict[str, Any]], lanes_: list[list[dict[str, Any]]], order: list[int]
) -> list[dict[str, Any]]:
    """One interleaving of the lanes' steps (``order``: the lane that takes its next step, in turn) after
    the shared waves: what a run with lanes side by side may do. For the proofs."""
    out = [s for w in shared for s in w["steps"]]
    queues = [[s for w in lane for s in w["steps"]] for lane in lanes_]
    for n in order:
        if queues[n]:
            out.append(queues[n].pop(0))
    for q in queues:
        out.extend(q)
    return out


# RL-1: the Route 53 account-wide bucket holds a burst of 50 (refill 10/s); each lane fires at most MAX_WAVE
# calls at once, so at most 50 // MAX_WAVE lanes run together; botocore's retries absorb what the refills
# cannot (AssociateVPCWithHostedZone: burst 20, 5/s; RL-2 Profiles: 5/s).
ROUTE53_BURST = 50


def lanes_at_once(requested: int, n_lanes: int) -> int:
    from .planner import MAX_WAVE

    return max(1, min(requested, ROUTE53_BURST // MAX_WAVE, n_lanes or 1))


def with_function_arns(waves_: list[dict[str, Any]], functions: Mapping[str, str]) -> None:
    """Give each step of ``waves_`` the ARN of its function (``function_arn``), from the map the state
    machine passes (its ``DefinitionSubstitutions``): the one Task that runs a step invokes
    ``$.step.function_arn``. With no map (a test, a bench) the steps are left as they are."""
    if not functions:
        return
    for w in waves_:
        for step in w["steps"]:
            step["function_arn"] = functions[step["function"]]


def run_documents(
    plan: Plan,
    approvals: str,
    prefix: str,
    execution: str,
    concurrency: int,
    functions: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What Preflight stores in the run bucket under ``prefix`` (all but ``context.json``) and the summary the
    state carries (SF-5: its size does not grow with the estate). The item files are what the Distributed
    Maps read: ``shared.json`` (waves), ``lanes.json`` and ``cleanup.json`` (one item per lane, naming the
    key of its waves). Each step carries its function's ARN from ``functions`` (:func:`with_function_arns`)."""
    switch, cleanup = phases(plan, approvals)
    shared, forward, clean = lanes(plan, approvals)
    for waves_ in (switch, cleanup, shared, *forward, *clean):
        with_function_arns(waves_, functions or {})
    docs: dict[str, Any] = {"shared.json": shared}
    for kind, groups in (("lane", forward), ("cleanup", clean)):
        items: list[dict[str, Any]] = []
        for n, lane in enumerate(groups, start=1):
            name = f"{kind}s/{n:04d}.json"
            docs[name] = lane
            eps = sorted({str(s["endpoint"]) for w in lane for s in w["steps"] if s.get("endpoint")})
            items.append(
                {
                    "lane": n,
                    "waves": prefix + name,
                    "endpoints": eps[:5],
                    "endpoint_count": len(eps),
                    "steps": sum(len(w["steps"]) for w in lane),
                }
            )
        docs["lanes.json" if kind == "lane" else "cleanup.json"] = items
    warnings = [w.to_json() for w in plan.warnings]
    summary = {
        "architecture": plan.architecture,
        "steps": len(plan.steps),
        "point_of_no_return": max((s["index"] for w in switch for s in w["steps"]), default=0),
        "waves": len(switch) + len(cleanup),
        "lanes": len(forward),
        "lanes_at_once": lanes_at_once(concurrency, len(forward)),
        "shared_waves": len(shared),  # none: the state machine skips the JoinProfile map
        # a person reads the first ones; every warning is in plan.json
        "warnings": warnings[:20],
        "warnings_total": len(warnings),
        "execution": execution,
    }
    docs["plan.json"] = {"plan": plan.to_json(), "waves": switch, "cleanup": cleanup, "summary": summary}
    return docs, summary


def undo_waves(
    performed: list[dict[str, Any]], watched: list[str], functions: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """The inverses of ``performed`` steps (as recorded, with what they saved), newest first, one per
    wave, then a last wave with no steps whose gate is every watched VPC: the proof that DNS is back. Each
    undo step carries its function's ARN from ``functions`` (:func:`with_function_arns`)."""
    out: list[dict[str, Any]] = []
    # Newest first by the time each step started (its audit record is written before its AWS call): lanes
    # ran side by side, so plan indexes are not the order things happened in.
    for rec in sorted(performed, key=lambda r: (float(r.get("at", 0)), int(r["index"])), reverse=True):
        if rec.get("mode", "forward") != "forward":
            continue  # cleanup is never undone (it comes after the point of no return)
        inverse = INVERSE.get(rec["action"])
        if inverse is None:
            raise IrreversibleStep(f"{step_label(rec)} cannot be undone")
        step = {
            k: v
            for k, v in rec.items()
            if k
            not in (
                *("action", "approval", "function", "function_arn", "gate", "wave", "mode"),
                *("status", "waits", "called_at", "attempt_at", "settled"),  # the audit record's own
            )
        }
        step.update(
            action=inverse.value, function=ACTION_FUNCTIONS[inverse], approval=False, undo_of=rec["index"]
        )
        # No gate per undo step: a VPC whose resolver is failing (the reason for the rollback, maybe)
        # must not block the undo; the last wave proves every watched VPC at once.
        out.append({"wave": len(out) + 1, "steps": [step], "gate": []})
    out.append({"wave": len(out) + 1, "steps": [], "gate": list(watched)})
    with_function_arns(out, functions or {})
    return out


# -- words a person can act on ------------------------------------------------------------------------

_TARGETS = (
    ("endpoint", "endpoint"),
    ("zone", "zone"),
    ("vpc", "VPC"),
    ("record", "record"),
    ("profile", "Profile"),
)


def step_label(step: Mapping[str, Any]) -> str:
    """``step 8 associate-endpoint-with-profile (endpoint lambda, Profile central)``; an undo step says
    which step it undoes."""
    what = ", ".join(f"{word} {step[key]}" for key, word in _TARGETS if step.get(key))
    head = f"step {step.get('index', '?')} {step.get('action', '?')}"
    if step.get("undo_of") is not None:
        head = f"undo of step {step['undo_of']}: {step.get('action', '?')}"
    return f"{head} ({what})" if what else head


# The errors profile_migrator raises for a step: final (the state machine does not retry them,
# every Task's first retrier in statemachine/migrate.asl.json, tests/unit/test_statemachine.py) and already
# a sentence for a person.
STEP_ERRORS = ("ActionError", "UnsafeToDelete", "ChangeFailed", "PollTimeout", "GateFailed", "Locked")
# Errors whose message is already a sentence for a person (profile_migrator's own, and botocore's).
_OWN_WORDS = frozenset({"ClientError", "IrreversibleStep", *STEP_ERRORS})
_LABELS = ("step ", "undo of step ", "probe gate ")


def failure_text(error: str, cause: str) -> str:
    """One sentence from a state's ``Error``/``Cause``: a Lambda error's cause is a JSON object whose
    ``errorMessage`` is what a person reads; botocore's ClientError already names the API call, the
    AWS error code and AWS's message."""
    import json

    message = "" if cause in ("None", "null") else cause  # SendTaskFailure without a cause
    err_type = error
    try:
        doc = json.loads(cause)
    except (TypeError, ValueError):
        doc = None
    if isinstance(doc, dict) and "errorMessage" in doc:
        message = str(doc.get("errorMessage", ""))
        err_type = str(doc.get("errorType", error) or error)
    if error == "States.Timeout":
        return "no answer in time (the approval timed out)" if not message else f"timed out: {message}"
    if error == "Rejected":
        return f"the approval was rejected{': ' + message if message else ''}"
    if err_type in _OWN_WORDS or message.startswith(("An error occurred (", *_LABELS)):
        return message  # our errors say their own words; botocore's names the API, AWS's code and message
    if not message:
        return err_type or "unknown error"
    return f"{err_type}: {message}" if err_type and err_type not in message else message


def explain_step_failure(step: dict[str, Any], error: str, cause: str) -> str:
    """``step 7 … (endpoint lambda, Profile central): <what went wrong>`` — unless the message already
    starts with the step's label (the status and gate functions name it themselves)."""
    text = failure_text(error, cause)
    label = step_label(step)
    return text if text.startswith(_LABELS) else f"{label}: {text}"


def left_warning(
    step: dict[str, Any], error: str, cause: str, ids: dict[str, dict[str, str]]
) -> dict[str, str]:
    """The warning for a cleanup step that was left undone: code, resource, and what to do."""
    action = str(step.get("action", ""))
    code = LEFT_CODES.get(action, "CLEANUP_LEFT")
    if action == Action.DELETE_PARKING_VPC:
        resource = str(step.get("vpc", ""))
        aws_id = ids.get("vpcs", {}).get(resource, "")
        todo = f"delete the parking VPC {resource}{' (' + aws_id + ')' if aws_id else ''} by hand"
    elif action == Action.DELETE_ZONE:
        resource = str(step.get("zone", ""))
        aws_id = ids.get("zones", {}).get(resource, "")
        todo = f"delete the hosted zone {resource}{' (' + aws_id + ')' if aws_id else ''} by hand, then its parking VPC"
    else:
        resource = str(step.get("zone", ""))
        todo = f"delete the record {step.get('record', '')} from zone {resource}, then the zone and its parking VPC"
    reason = explain_step_failure(step, error, cause)
    return {
        "code": code,
        "resource": resource,
        "message": f"{reason}; every watched VPC already resolves through the Profile, so the migration "
        f"is kept: {todo}",
    }
