"""What the state machine's functions do — the domain behind the thin handlers in ``functions/``.

Events are parsed into the models of :mod:`.models`; AWS is reached only through :mod:`.aws` and
:mod:`.actions`. A function that acts in another account assumes the role the input names (CP-9).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from typing import Any

from . import actions, workflow
from .aws import functions as fn_adapter
from .aws import store
from .aws.ec2 import endpoint_ips, get_endpoint
from .aws.session import Account, assume_role, default_account
from .discovery import discover
from .estate import ScenarioError, parse_scenario
from .models import (
    ApprovalRequest,
    CompensateEvent,
    Ctx,
    GateEvent,
    LockEvent,
    MigrationInput,
    PollEvent,
    StepEvent,
)
from .planner import plan


class Refused(Exception):
    """Preflight found problems: nothing was changed. The message is the problems as JSON."""


class InvalidInput(Exception):
    """The execution input is malformed (the message names the field and the reason)."""


class Locked(Exception):
    """Another running execution is migrating one of these endpoints."""


class PollTimeout(Exception):
    """An asynchronous change did not settle in time."""


class GateFailed(Exception):
    """A probe gate did not pass in time: some VPC did not resolve privately."""


def table_name() -> str:
    return os.environ.get("TABLE_NAME", "profile-migrator")


def _home(region: str) -> Account:
    return default_account(region)


def accounts_for(ctx: Ctx) -> dict[str, Account]:
    """One :class:`Account` per alias: through its role when the input names one (CP-9)."""
    home = _home(ctx.region)
    out: dict[str, Account] = {}
    for alias, acct in ctx.accounts.items():
        if acct.role_arn:
            out[alias] = assume_role(home, acct.role_arn, "profile-migrator")
        else:
            out[alias] = Account(home.session, ctx.region, account_id=acct.id, credentials=home.credentials)
    return out


def action_context(ctx: Ctx) -> actions.Context:
    return actions.Context(region=ctx.region, accounts=accounts_for(ctx), vpcs=dict(ctx.ids.vpcs),
                           endpoints=dict(ctx.ids.endpoints), zones=dict(ctx.ids.zones),
                           profiles=dict(ctx.ids.profiles), account_ids={a: v.id for a, v in ctx.accounts.items()},
                           endpoint_accounts=dict(ctx.ids.endpoint_accounts))


# -- Preflight ---------------------------------------------------------------------------------------------


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


def preflight(raw: dict[str, Any], execution: str) -> dict[str, Any]:
    """Discover, plan, prove. Refuses (raises) before any change; ``ready: false`` while in flight."""
    req = parse_input(raw)
    ctx = Ctx(region=req.region, accounts=req.accounts)
    accounts = accounts_for(ctx)
    probes: dict[str, str] = {}
    for acct in accounts.values():
        probes.update(fn_adapter.registered_probes(acct))
    found = discover(accounts, req.region, probes=set(probes))
    scn_doc = found.scenario.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    ep_by_id = {v: k for k, v in found.endpoint_ids.items()}
    prof_by_id = {v: k for k, v in found.profile_ids.items()}
    endpoints = [ep_by_id.get(e, e) for e in req.endpoints]
    profile = prof_by_id.get(req.profile, req.profile)
    scn_doc["migration"] = {"profile": profile, "endpoints": endpoints, "approvals": req.approvals,
                            "parking_vpc": req.parking_vpc}
    try:
        scn = parse_scenario(scn_doc, "<discovered estate>")
    except ScenarioError as exc:
        raise Refused(json.dumps([{"code": "CONFLICTING_ESTATE", "message": str(exc), "resource": exc.path}])) from None
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
        region=req.region, accounts=req.accounts,
        ids={"vpcs": found.vpc_ids, "endpoints": found.endpoint_ids, "zones": found.zone_ids,
             "profiles": found.profile_ids, "endpoint_accounts": endpoint_accounts},
        probes={by_vpc_id[v]: arn for v, arn in probes.items() if v in by_vpc_id},
        watched=watched_names, private_ips=private_ips,
    )
    return {
        "ready": True,
        "ctx": out_ctx.model_dump(mode="json"),
        "config": {"gate": req.gate.model_dump(), "poll": req.poll.model_dump(),
                   "approval_timeout_seconds": req.approval_timeout_seconds},
        "waves": workflow.waves(the_plan, req.approvals),
        "watched": sorted(watched_names),
        "lock_keys": sorted(found.endpoint_ids[e] for e in endpoints),
        "summary": {"architecture": the_plan.architecture, "steps": len(the_plan.steps),
                    "warnings": [w.to_json() for w in the_plan.warnings], "execution": execution},
    }


# -- Steps and polling -------------------------------------------------------------------------------------


def run_step(ev: StepEvent, allowed: frozenset[str]) -> dict[str, Any]:
    """Perform one step (idempotent), record it in the audit trail, poll once."""
    step = ev.step
    if step["action"] not in allowed:
        raise actions.ActionError(f"this function does not perform {step['action']!r}")
    actx = action_context(ev.ctx)
    saved: dict[str, Any] = dict(step.get("saved") or {})
    waits = actions.perform(actx, step, saved)
    if ev.mode == "forward":
        home = _home(ev.ctx.region)
        rec = dict(step)
        rec["saved"] = saved
        rec["at"] = time.time()
        store.put_json(home, table_name(), f"run#{ev.execution}", f"step#{int(step['index']):05d}#{step['action']}", rec)
    state = actions.poll_all(actx, waits) if waits else "settled"
    return {"waits": waits, "state": state, "polls": 1 if waits else 0, "interval": ev.config.poll.initial_seconds,
            "elapsed": 0}


def poll_step(ev: PollEvent) -> dict[str, Any]:
    """One poll of a step's waits; the interval grows to a maximum; past the timeout the step fails
    (forward) or is left to the final proof gate (undo: the probes decide whether DNS is back)."""
    res = dict(ev.result)
    actx = action_context(ev.ctx)
    state = actions.poll_all(actx, res["waits"])
    res["polls"] = int(res.get("polls", 0)) + 1
    res["elapsed"] = float(res.get("elapsed", 0)) + float(res.get("interval", 0))
    res["state"] = state
    if state == "pending":
        if res["elapsed"] >= ev.config.poll.timeout_seconds:
            if ev.mode == "undo":
                res["state"] = "settled"
                res["timed_out"] = True
                return res
            raise PollTimeout(f"{[w['kind'] + ':' + str(w.get('id', '')) for w in res['waits']]} still pending after "
                              f"{res['elapsed']:.0f} s")
        res["interval"] = int(min(int(res["interval"]) * 2, ev.config.poll.max_seconds))
    return res


# -- Probe gates -------------------------------------------------------------------------------------------


def gate_check(ev: GateEvent) -> dict[str, Any]:
    """Invoke the probe of each gated VPC once; pass when every (VPC, name) watched there has answered
    privately ``consecutive`` times in a row (one check per interval)."""
    cfg = ev.config.gate
    state = dict(ev.state)
    streaks: dict[str, int] = dict(state.get("streaks", {}))
    checks = int(state.get("checks", 0))
    elapsed = float(state.get("elapsed", 0)) + (cfg.interval_seconds if checks else 0)
    home = _home(ev.ctx.region)
    last: dict[str, str] = {}
    for vpc in ev.vpcs:
        names = ev.ctx.watched.get(vpc, [])
        arn = ev.ctx.probes.get(vpc)
        if not names or arn is None:
            continue
        expected = {n: ev.ctx.private_ips.get(n, []) for n in names}
        try:
            answers = fn_adapter.invoke_json(home, arn, {"names": names, "expected": expected})["answers"]
        except Exception as exc:  # a probe that cannot run counts as a failed answer
            answers = {n: {"class": f"probe-error:{type(exc).__name__}"} for n in names}
        for n in names:
            cls = str(answers.get(n, {}).get("class", "missing"))
            key = f"{vpc}|{n}"
            last[key] = cls
            streaks[key] = streaks.get(key, 0) + 1 if cls == "private" else 0
    needed = [f"{v}|{n}" for v in ev.vpcs for n in ev.ctx.watched.get(v, []) if v in ev.ctx.probes]
    passed = all(streaks.get(k, 0) >= cfg.consecutive for k in needed)
    out = {"checks": checks + 1, "elapsed": elapsed, "streaks": streaks, "last": last,
           "status": "passed" if passed else "pending"}
    timeout = cfg.proof_timeout_seconds if ev.mode == "undo" else cfg.timeout_seconds
    if not passed and elapsed >= timeout:
        bad = {k: v for k, v in last.items() if v != "private"}
        raise GateFailed(f"probe gate on {ev.vpcs} did not pass in {elapsed:.0f} s; last answers not private: {bad}")
    return out


def probe(names: list[str], expected: dict[str, list[str]], nameserver: str, port: int, timeout: float = 2.0
          ) -> dict[str, Any]:
    """Resolve each name through the VPC resolver and classify the answer (RES-9: one query per name
    per invocation — far below the 1024 packets/s per interface quota)."""
    import dns.exception
    import dns.rcode
    import dns.resolver

    res = dns.resolver.Resolver(configure=False)
    res.nameservers = [nameserver]
    res.port = port
    res.lifetime = timeout
    res.timeout = timeout
    out: dict[str, Any] = {}
    for name in names:
        try:
            ans = res.resolve(name, "A", raise_on_no_answer=False)
            ips = [r.address for r in ans] if ans.rrset is not None else []
            if not ips:
                cls = "nodata"
            elif set(ips) & set(expected.get(name, [])):
                cls = "private"
            else:
                cls = "public"
        except dns.resolver.NXDOMAIN:
            cls, ips = "nxdomain", []
        except dns.resolver.NoNameservers:
            cls, ips = "servfail", []
        except dns.exception.Timeout:
            cls, ips = "timeout", []
        out[name] = {"class": cls, "ips": ips}
    return {"answers": out}


# -- Locks, compensation, approvals ----------------------------------------------------------------------


def lock(ev: LockEvent) -> dict[str, Any]:
    """Per-endpoint locks by conditional write; a lock held by an execution that is no longer running
    (aborted, failed) is taken over, so a new execution can converge after an abort."""
    home = _home(os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1")
    table = table_name()
    taken: list[str] = []
    for key in ev.keys:
        pk = f"lock#{key}"
        if ev.op == "release":
            store.delete(home, table, pk, "lock", condition="execution = :me", values={":me": ev.execution})
            continue
        doc = {"execution": ev.execution, "execution_arn": ev.execution_arn, "at": time.time()}
        try:
            store.put_json(home, table, pk, "lock", doc, condition="attribute_not_exists(pk) OR execution = :me",
                           values={":me": ev.execution})
        except store.ConditionFailed:
            holder = store.get_json(home, table, pk, "lock") or {}
            status = fn_adapter.execution_status(home, str(holder.get("execution_arn", ""))) if holder else "GONE"
            if status == "RUNNING":
                for k in taken:  # leave nothing half-taken
                    store.delete(home, table, f"lock#{k}", "lock", condition="execution = :me",
                                 values={":me": ev.execution})
                raise Locked(f"endpoint {key} is being migrated by execution {holder.get('execution')}") from None
            store.put_json(home, table, pk, "lock", doc, condition="execution = :old",
                           values={":old": str(holder.get("execution", ""))})
        taken.append(key)
    return {"op": ev.op, "keys": ev.keys}


def plan_undo(ev: CompensateEvent) -> dict[str, Any]:
    """The inverses of what the audit trail says this execution did, newest first, then the proof."""
    home = _home(ev.ctx.region)
    performed = store.query_json(home, table_name(), f"run#{ev.execution}")
    cause = ev.failure.get("Cause") or ev.failure.get("Error") or "unknown"
    return {"waves": workflow.undo_waves(performed, ev.watched), "cause": str(cause)[:2000],
            "error": ev.failure.get("Error", ""), "undone_steps": len(performed)}


def request_approval(ev: ApprovalRequest) -> dict[str, Any]:
    """Store the task token under a short approval id with an expiry (the token never leaves the table)."""
    home = _home(ev.ctx.region)
    approval_id = uuid.uuid4().hex[:12]
    doc = {"token": ev.token, "step": ev.step, "execution": ev.execution, "status": "pending",
           "expires_at": time.time() + 7 * 24 * 3600}
    store.put_json(home, table_name(), f"approval#{approval_id}", "approval", doc)
    return {"approval_id": approval_id}
