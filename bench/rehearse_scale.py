"""Benchmark: the real state machine rehearsed on big estates in the twin (issue 8 items 2, 3 and 7).

    .venv/bin/python bench/rehearse_scale.py                         # 100 VPCs x 10 endpoints, and 300 x 1 path 2
    .venv/bin/python bench/rehearse_scale.py --vpcs 20 --endpoints 2   # one size (mixed paths)
    .venv/bin/python bench/rehearse_scale.py --vpcs 100 --endpoints 10 --accounts 5
    .venv/bin/python bench/rehearse_scale.py --vpcs 300 --endpoints 1 --path 2
    .venv/bin/python bench/rehearse_scale.py --storage --vpcs 1000 --endpoints 50   # Preflight's storage only

``--storage`` plans the estate and builds what Preflight stores (``workflow.run_documents`` and the context
document, with an id, a probe ARN and the watched names for every VPC) without the twin: bytes stored, the
largest item a map reads, and the state Preflight returns (which the execution carries from then on).

The estate is ``bench/plan_scale.py``'s (a shared-services VPC with every endpoint, N-1 workload VPCs over
four accounts; ``--path mixed`` alternates direct PHZ and profile PHZ by endpoint, ``--path 1``/``2`` makes
every endpoint that path). Each size is rehearsed twice more with a single endpoint of each path present
(same estate, only that endpoint migrated): the slowest of those is the reference for the ratio.

Columns: wall s (the rehearsal, twin build and deploy excluded; with them in brackets), simulated s,
ratio (simulated s / the slowest single endpoint's simulated s), transitions and Lambda invocations per
(endpoint, VPC) pair, and the dollar cost: $0.025 per 1,000 Standard transitions (SF-5) plus Lambda at
$0.20 per million requests and $0.0000166667 per GB-s, the GB-s from each handler's measured in-process
duration and its function's memory size.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from plan_scale import build_estate
from profile_migrator.estate import Scenario, parse_scenario

from twin.run import rehearse_state_machine

TRANSITION_USD = 0.025 / 1000  # SF-5: Standard workflows
LAMBDA_REQUEST_USD = 0.20 / 1_000_000
LAMBDA_GB_SECOND_USD = 0.0000166667


def estate(
    n_vpcs: int,
    n_endpoints: int,
    path: str,
    only: list[str] | None = None,
    time_scale: float = 0.01,
    n_accounts: int = 4,
) -> Scenario:
    """plan_scale's estate; ``path`` '1'/'2' makes every endpoint direct PHZ / profile PHZ; ``only`` migrates
    only those endpoints (the others stay in the estate)."""
    doc: dict[str, Any] = build_estate(n_vpcs, n_endpoints, n_accounts)
    all_vpcs = list(doc["vpcs"])
    if path in ("1", "2"):
        for zone in doc["hosted_zones"].values():
            zone["vpcs"] = ["shared-services"] if path == "2" else all_vpcs
        doc["profiles"]["central"]["hosted_zones"] = list(doc["hosted_zones"]) if path == "2" else []
        doc["profiles"]["central"]["vpcs"] = all_vpcs if path == "2" else []
    for zone in doc["hosted_zones"].values():  # over 300 VPCs, the zones stand for a raised quota
        if n_vpcs + 10 > 300:
            zone["max_vpcs"] = n_vpcs + 10
    if only is not None:
        doc["migration"]["endpoints"] = only
    doc["migration"]["approvals"] = "none"
    doc["twin"] = {"time_scale": time_scale}
    return parse_scenario(doc, f"bench-{n_vpcs}x{n_endpoints}-path{path}")


def rehearse(scn: Scenario) -> dict[str, Any]:
    from twin.asl import history_events, reset_history_events, state_listeners
    from twin.dispatch import handler_seconds

    largest = [0]

    def payload(_arn: str, _state: str, inp: Any, _now: float) -> None:  # every state's input (SF-5)
        size = len(json.dumps(inp, separators=(",", ":")))
        largest[0] = max(largest[0], size)

    reset_history_events()
    state_listeners.append(payload)
    t0 = time.monotonic()
    try:
        r = rehearse_state_machine(scn)
    finally:
        state_listeners.remove(payload)
    total = time.monotonic() - t0
    hist = history_events()
    if r.status != "SUCCEEDED":
        raise SystemExit(f"{scn.name if hasattr(scn, 'name') else 'estate'}: {r.status} {r.error[:500]}")
    gb_s = sum(sec * mem / 1024 for sec, mem in handler_seconds().values())
    calls = r.lambda_invocations
    usd = r.state_transitions * TRANSITION_USD + calls * LAMBDA_REQUEST_USD + gb_s * LAMBDA_GB_SECOND_USD
    return {
        "wall": r.wall_seconds,
        "wall_total": total,
        "sim": r.simulated_seconds,
        "transitions": r.state_transitions,
        "invocations": calls,
        "gb_s": gb_s,
        "usd": usd,
        "downtime": sum(row["downtime_seconds"] for row in r.resolution),
        "pairs_sampled": len(r.resolution),
        "lag": getattr(r, "sampler_lag", None),
        "largest_input": largest[0],
        "max_history": max(hist.values(), default=0),
        "executions": len(hist),
    }


def measure(n_vpcs: int, n_endpoints: int, path: str, singles: bool, n_accounts: int = 4) -> None:
    scn = estate(n_vpcs, n_endpoints, path, n_accounts=n_accounts)
    assert scn.migration is not None
    endpoints = list(scn.migration.endpoints)
    full = rehearse(scn)
    pairs = n_vpcs * len(endpoints)
    ref = None
    if singles:
        kinds = {"2": [endpoints[0]], "1": [endpoints[0]]}.get(path, endpoints[:2])
        ref = max(
            rehearse(estate(n_vpcs, n_endpoints, path, only=[e], n_accounts=n_accounts))["sim"] for e in kinds
        )
    ratio = f"{full['sim'] / ref:.2f}" if ref else "-"
    print(
        f"{n_vpcs:>5} {n_endpoints:>3} {path:>5} {full['wall']:>7.0f} ({full['wall_total']:>5.0f}) {full['sim']:>8.0f} "
        f"{(f'{ref:.0f}' if ref else '-'):>7} {ratio:>6} {full['transitions'] / pairs:>8.2f} "
        f"{full['invocations'] / pairs:>8.2f} {full['transitions']:>7} {full['invocations']:>6} "
        f"{full['usd']:>7.3f} {full['downtime']:>6.0f} {full['largest_input']:>8} {full['max_history']:>6} "
        f"{full['executions']:>6}",
        flush=True,
    )


def storage(n_vpcs: int, n_endpoints: int, path: str, n_accounts: int, concurrency: int = 8) -> None:
    """What Preflight stores for the estate, and the state it returns (no twin: the pure parts Preflight runs,
    the context document filled in as discovery would)."""
    from profile_migrator import workflow
    from profile_migrator.models import Ctx, RunRef
    from profile_migrator.planner import plan

    scn = estate(n_vpcs, n_endpoints, path, n_accounts=n_accounts)
    assert scn.migration is not None
    t0 = time.perf_counter()
    the_plan = plan(scn)
    assert the_plan.safe, the_plan.problems[:3]
    execution = "profile-migrator-0123456789ab"
    prefix = f"runs/{execution}/"
    docs, summary = workflow.run_documents(the_plan, "none", prefix, execution, concurrency)
    watched: dict[str, list[str]] = {}
    for pr in the_plan.predicted:
        if pr.after_step == 0 and pr.answer == "private":
            watched.setdefault(pr.vpc, []).append(pr.name)
    eps = scn.migration.endpoints
    ctx = Ctx(
        region=scn.region,
        accounts={a: {"id": i} for a, i in scn.accounts.items()},
        ids={
            "vpcs": {v: f"vpc-{n:017x}" for n, v in enumerate(scn.vpcs)},
            "endpoints": {e: f"vpce-{n:017x}" for n, e in enumerate(scn.endpoints)},
            "zones": {z: f"Z{n:020d}" for n, z in enumerate(scn.hosted_zones)},
            "profiles": {"central": "rp-0123456789abcdef"},
            "endpoint_accounts": {e: "network" for e in eps},
        },
        probes={
            v: f"arn:aws:lambda:us-east-1:{scn.accounts[scn.vpcs[v].account]}:function:"
            f"profile-migrator-probe-vpc-{n:017x}"
            for n, v in enumerate(scn.vpcs)
        },
        watched=watched,
        private_ips={scn.endpoint_dns_name(e): ["10.0.0.10", "10.0.1.10"] for e in eps},
        dns_names={e: scn.endpoint_dns_name(e) for e in eps},
    )
    docs["context.json"] = {
        "ctx": ctx.model_dump(mode="json"),
        "watched": sorted(watched),
        "lock_keys": [f"vpce-{n:017x}" for n in range(len(eps))],
    }
    sizes = {k: len(json.dumps(v, separators=(",", ":"), sort_keys=True)) for k, v in docs.items()}
    run = RunRef(
        bucket="profile-migrator-runbucket-111111111111",
        prefix=prefix,
        region=scn.region,
        shared=prefix + "shared.json",
        lanes=prefix + "lanes.json",
        cleanup=prefix + "cleanup.json",
    )
    summary["stored_bytes"] = sum(sizes.values())
    state = {
        "ready": True,
        "run": run.model_dump(),
        "config": {"gate": {}, "poll": {}, "approval_timeout_seconds": 3600},
        "summary": summary,
    }
    items = [
        w for k, v in docs.items() if k.startswith(("lanes/", "cleanups/")) or k == "shared.json" for w in v
    ]
    biggest_wave = max((len(json.dumps(w, separators=(",", ":"))) for w in items), default=0)
    steps_per_lane = [sum(len(w["steps"]) for w in v) for k, v in docs.items() if k.startswith("lanes/")]
    print(
        f"{n_vpcs} VPCs x {n_endpoints} endpoints ({path}, {n_accounts} accounts): {len(the_plan.steps)} steps, "
        f"{summary['lanes']} lanes ({min(steps_per_lane, default=0)}-{max(steps_per_lane, default=0)} steps), "
        f"{summary['waves']} waves; planned and stored in {time.perf_counter() - t0:.1f} s"
    )
    print(
        f"  stored: {sum(sizes.values()):,} bytes in {len(docs)} objects; context.json {sizes['context.json']:,}, "
        f"plan.json {sizes['plan.json']:,}, lanes.json {sizes['lanes.json']:,}, largest lane file "
        f"{max(v for k, v in sizes.items() if k.startswith('lanes/')):,}"
    )
    print(
        f"  state after Preflight: {len(json.dumps(state, separators=(',', ':'))):,} bytes; largest map item "
        f"(a wave, the input of its child): {biggest_wave:,} bytes; SF-5 limit {256 * 1024:,}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vpcs", type=int)
    ap.add_argument("--endpoints", type=int, default=1)
    ap.add_argument("--path", choices=["mixed", "1", "2"], default="mixed")
    ap.add_argument("--no-singles", action="store_true", help="skip the single-endpoint reference runs")
    ap.add_argument(
        "--accounts", type=int, default=4, help="accounts the VPCs are spread over (network + workload)"
    )
    ap.add_argument(
        "--storage", action="store_true", help="only what Preflight stores, and the state it returns"
    )
    args = ap.parse_args(argv)
    if args.storage:
        storage(args.vpcs or 1000, args.endpoints if args.vpcs else 50, args.path, args.accounts)
        return 0
    sizes = [(args.vpcs, args.endpoints, args.path)] if args.vpcs else [(100, 10, "mixed"), (300, 1, "2")]
    print(f"python {sys.version.split()[0]}")
    print(
        f"{'VPCs':>5} {'eps':>3} {'path':>5} {'wall s':>7} {'(+build)':>7} {'sim s':>8} {'1-ep s':>7} {'ratio':>6} "
        f"{'tr/pair':>8} {'λ/pair':>8} {'trans':>7} {'λ':>6} {'USD':>7} {'down s':>6} {'max in B':>8} "
        f"{'hist':>6} {'execs':>6}"
    )
    for n_v, n_e, path in sizes:
        measure(n_v, n_e, path, not args.no_singles, args.accounts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
