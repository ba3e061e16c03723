"""Preflight: discover the estate, plan and prove the migration; refuse before any change.

The only function that needs the planner, the estate model (pydantic, PyYAML) and discovery: they are
imported here, not in :mod:`.runtime`, so the step functions' cold starts do without them.
"""

from __future__ import annotations

import json
from typing import Any

from . import runtime, workflow
from .aws import functions as fn_adapter
from .aws.ec2 import endpoint_ips, get_endpoint
from .discovery import discover
from .estate import ScenarioError, parse_scenario
from .models import Ctx
from .planner import plan
from .request import MigrationInput
from .runtime import RoleRefused, accounts_for, check_roles, store_run


class Refused(Exception):
    """Preflight found problems: nothing was changed. The message is the problems as JSON."""


class InvalidInput(Exception):
    """The execution input is malformed (the message names the field and the reason)."""


def parse_input(raw: dict[str, Any]) -> MigrationInput:
    from pydantic import ValidationError

    try:
        return MigrationInput.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "(input)"
            if err["type"] == "extra_forbidden":
                msg = "unknown field"
            elif err["type"] == "value_error":  # our validators' words, without pydantic's "Value error, "
                msg = str(err.get("ctx", {}).get("error", err["msg"]))
            else:
                msg = err["msg"]
            problems.append(f"{field}: {msg}")
        raise InvalidInput("execution input: " + "; ".join(problems)) from None


def _named(
    ids: dict[str, str],
    tag_ids: dict[tuple[str, str], list[str]],
    kind: str,
    ref: str,
    out: list[dict[str, str]],
) -> str:
    """The scenario name of what the input calls ``ref``: a name, an id, or a Name tag discovery could not
    name by (any tag AWS accepts, spaces included: then its resource is named by its id). A Name tag that
    several resources carry is never resolved to one of them: it is refused (``out``), naming their ids."""
    if ref in ids:
        return ref
    by_id = {v: k for k, v in ids.items()}
    if ref in by_id:
        return by_id[ref]
    tagged = tag_ids.get((kind, ref), [])
    if len(tagged) == 1:
        return by_id.get(tagged[0], tagged[0])
    if len(tagged) > 1:
        out.append(
            {
                "code": "AMBIGUOUS_NAME",
                "resource": ref,
                "message": f"{kind} {ref!r}: the Name tag {ref!r} is carried by {len(tagged)} resources "
                f"({', '.join(tagged)}): name the one to migrate by its id",
            }
        )
    return ref


def owned_probes(
    scn_doc: dict[str, Any],
    vpc_ids: dict[str, str],
    registered: dict[str, dict[str, str]],
    req: MigrationInput,
) -> dict[str, str]:
    """VPC id -> probe ARN of the probes to trust: each registered in the account that owns the VPC, a
    function of that account in the estate's Region. A registration by another account, or of another
    account's function, is refused (a probe that always answers "private" would defeat the proof); the
    discovered document's ``probe`` flags are set to what is trusted."""
    name_of = {vid: name for name, vid in vpc_ids.items()}
    trusted: dict[str, str] = {}
    problems: list[dict[str, str]] = []
    for alias, regs in registered.items():
        for vid, arn in sorted(regs.items()):
            name = name_of.get(vid)
            if name is None:
                continue  # not a VPC of this estate (another Region, an account not in the input)
            owner = str(scn_doc["vpcs"][name]["account"])
            param = f"{fn_adapter.PROBE_PARAMETER_PREFIX}{vid}"
            if alias != owner:
                why = (
                    f"account {alias!r} registered a probe for it ({param} = {arn}), but the VPC belongs to "
                    f"account {owner!r}: only a VPC's owner may register its probe; delete {param} in "
                    f"account {alias!r}"
                )
            else:
                why = fn_adapter.probe_problem(arn, req.accounts[owner].id, req.region) or ""
                if why:
                    why = f"account {alias!r} registered it as {param}: {why}"
            if why:
                problems.append(
                    {"code": "PROBE_NOT_OWNED", "message": f"VPC {name} ({vid}): {why}", "resource": name}
                )
            else:
                trusted[vid] = arn
    if problems:
        raise Refused(json.dumps(problems))
    for name, entry in scn_doc["vpcs"].items():
        entry["probe"] = vpc_ids.get(name) in trusted
    return trusted


def check_functions(functions: dict[str, str]) -> None:
    """The state machine's map of step function -> ARN names every function of the vocabulary (a map left
    out entirely is a test's or a bench's: the steps then carry no ARN)."""
    missing = sorted(set(workflow.STEP_FUNCTIONS) - set(functions)) if functions else []
    if missing:
        raise InvalidInput(
            f"Preflight's functions: no ARN for step function(s) {', '.join(missing)} "
            "(the state machine passes one per function of vocabulary.SPECS)"
        )


def preflight(raw: dict[str, Any], execution: str, functions: dict[str, str] | None = None) -> dict[str, Any]:
    """Discover, plan, prove. Refuses (raises) before any change; ``ready: false`` while in flight.
    ``functions``: each step function's ARN, from the state machine (given to every step, and kept in the
    run's context for the undo steps)."""
    functions = dict(functions or {})
    check_functions(functions)
    req = parse_input(raw)
    ctx = Ctx(region=req.region, accounts=req.accounts)
    try:
        check_roles(ctx)  # before any AWS call: the roles are the accounts' own member roles
    except RoleRefused as exc:
        raise InvalidInput(f"execution input: accounts: {exc}") from None
    accounts = accounts_for(ctx)
    registered = {alias: fn_adapter.registered_probes(acct) for alias, acct in accounts.items()}
    found = discover(accounts, req.region, probes={v for r in registered.values() for v in r})
    scn_doc = found.scenario.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    probes = owned_probes(scn_doc, found.vpc_ids, registered, req)
    ambiguous: list[dict[str, str]] = []
    endpoints = [_named(found.endpoint_ids, found.tag_ids, "endpoint", e, ambiguous) for e in req.endpoints]
    profile = _named(found.profile_ids, found.tag_ids, "Profile", req.profile, ambiguous)
    if ambiguous:
        raise Refused(json.dumps(ambiguous))
    # AS-5: an execution that held these endpoints and no longer runs may have left changes in flight (an
    # abort stops the state machine, not its functions); the estate is discovered again once they settled.
    lock_keys = sorted(found.endpoint_ids[e] for e in endpoints if e in found.endpoint_ids)
    left = runtime.changes_in_flight(
        lock_keys, execution, runtime.AwsChanges(runtime.action_context(ctx)), req.poll.timeout_seconds
    )
    if left.stuck:
        raise Refused(
            json.dumps(
                [
                    {"code": "CHANGE_IN_FLIGHT", "message": f"{m}: settle or undo it by hand", "resource": m}
                    for m in left.stuck
                ]
            )
        )
    if left.pending:
        return {"ready": False, "waiting_for": left.pending}
    scn_doc["migration"] = {
        "profile": profile,
        "endpoints": endpoints,
        "approvals": req.approvals,
        "parking_vpc": req.parking_vpc,
    }
    try:
        scn = parse_scenario(scn_doc, "<discovered estate>")
    except ScenarioError as exc:
        raise Refused(
            json.dumps([{"code": "CONFLICTING_ESTATE", "message": str(exc), "resource": exc.path}])
        ) from None
    # Plan on a settled estate: an endpoint still Pending is waited for, not refused.
    if any(scn.endpoints[e].state == "Pending" for e in endpoints if e in scn.endpoints):
        return {"ready": False}
    the_plan = plan(scn)
    if not the_plan.safe:
        raise Refused(json.dumps([p.to_json() for p in the_plan.problems]))
    by_vpc_id = {v: k for k, v in found.vpc_ids.items()}
    watched_names: dict[str, list[str]] = {}
    for p in the_plan.predicted:
        if p.after_step == 0 and p.answer == "private":
            watched_names.setdefault(p.vpc, []).append(p.name)
    private_ips: dict[str, list[str]] = {}
    endpoint_accounts: dict[str, str] = {}
    for name, eid in found.endpoint_ids.items():
        alias = scn.vpcs[scn.endpoints[name].vpc].account
        endpoint_accounts[name] = alias
        if name in endpoints:
            ep = get_endpoint(accounts[alias], eid)
            private_ips.setdefault(scn.endpoint_dns_name(name), []).extend(endpoint_ips(accounts[alias], ep))
    out_ctx = Ctx(
        region=req.region,
        accounts=req.accounts,
        ids={
            "vpcs": found.vpc_ids,
            "endpoints": found.endpoint_ids,
            "zones": found.zone_ids,
            "profiles": found.profile_ids,
            "endpoint_accounts": endpoint_accounts,
        },
        probes={by_vpc_id[v]: arn for v, arn in probes.items() if v in by_vpc_id},
        watched=watched_names,
        private_ips=private_ips,
        dns_names={e: scn.endpoint_dns_name(e) for e in endpoints if e in scn.endpoints},
    )
    # SF-5: the plan and the context go to the run bucket; the state carries where they are and a summary.
    docs, summary = workflow.run_documents(
        the_plan, req.approvals, f"runs/{execution}/", execution, req.concurrency.endpoints, functions
    )
    docs["context.json"] = {
        "ctx": out_ctx.model_dump(mode="json"),
        "watched": sorted(watched_names),
        "lock_keys": lock_keys,
        "functions": functions,  # PlanUndo gives its undo steps their functions' ARNs
    }
    run, sizes = store_run(execution, docs)
    run.shared, run.lanes, run.cleanup = (
        run.prefix + n for n in ("shared.json", "lanes.json", "cleanup.json")
    )
    summary["stored_bytes"] = sum(sizes.values())
    return {
        "ready": True,
        "run": run.model_dump(),
        "config": {
            "gate": req.gate.model_dump(),
            "poll": req.poll.model_dump(),
            "approval_timeout_seconds": req.approval_timeout_seconds,
        },
        "summary": summary,
    }
