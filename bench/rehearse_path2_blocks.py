"""Benchmark: path 2 past a zone's VPC limit (Q-1) — a 320-VPC "profile PHZ" estate whose zone may hold 300
VPCs, planned with bridge copies of the zone and rehearsed by the real state machine in the twin.

Prints the plan's shape (copies, steps, waves, the most VPCs any zone holds at any step), then wall
seconds, simulated seconds, state transitions, Lambda invocations, API calls and downtime.

    .venv/bin/python bench/rehearse_path2_blocks.py [--vpcs 320] [--limit 300] [--accounts 1]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from profile_migrator.estate import parse_scenario
from profile_migrator.planner import plan

from twin.run import rehearse_state_machine

REGION = "us-east-1"
DNS = f"lambda.{REGION}.amazonaws.com"
FAST = {
    "time_scale": 0.002,
    "durations": {
        "endpoint_pending": 10,
        "profile_association": 5,
        "resource_association": 5,
        "phz_change": 5,
    },
}


def build_estate(n_vpcs: int, limit: int, accounts: int) -> dict[str, Any]:
    """Published architecture 2 with ``n_vpcs`` workload VPCs (spread over ``accounts`` accounts)."""
    accts = {"network": "111111111111", **{f"wl-{i}": f"{222222222222 + i}" for i in range(1, accounts)}}
    names = list(accts)
    vpcs: dict[str, Any] = {"shared-services": {"account": "network", "cidr": "10.0.0.0/24"}}
    for i in range(1, n_vpcs + 1):
        vpcs[f"vpc-{i:04d}"] = {"account": names[i % len(names)], "cidr": f"10.{i // 256}.{i % 256}.0/24"}
    return {
        "region": REGION,
        "accounts": accts,
        "vpcs": vpcs,
        "endpoints": {"lambda": {"vpc": "shared-services", "service": "lambda", "private_dns": False}},
        "hosted_zones": {
            "lambda-zone": {
                "account": "network",
                "name": DNS,
                "vpcs": ["shared-services"],
                "max_vpcs": limit,
                "records": [{"name": DNS, "type": "A", "alias_to": "lambda"}],
            }
        },
        "profiles": {
            "central": {
                "account": "network",
                "vpcs": list(vpcs),
                "hosted_zones": ["lambda-zone"],
                "shared_with": names[1:],
            }
        },
        "migration": {
            "profile": "central",
            "endpoints": ["lambda"],
            "approvals": "none",
            "parking_vpc": "auto",
        },
        "twin": FAST,
    }


def peak_associations(p: Any, scn: Any) -> dict[str, int]:
    """The most VPCs each zone holds at any step of the plan (Q-1)."""
    now = {z: len(zone.vpcs) for z, zone in scn.hosted_zones.items()}
    peak = dict(now)
    for s in p.steps:
        if s.action == "create-bridge-zone":
            now[s.zone] = 1
        elif s.action == "associate-vpc-with-zone":
            now[s.zone] += 1
        elif s.action == "disassociate-vpc-from-zone":
            now[s.zone] -= 1
        peak[s.zone or ""] = max(peak.get(s.zone or "", 0), now.get(s.zone or "", 0))
    return {z: n for z, n in peak.items() if z}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vpcs", type=int, default=320)
    ap.add_argument("--limit", type=int, default=300)
    ap.add_argument("--accounts", type=int, default=1)
    args = ap.parse_args()
    scn = parse_scenario(build_estate(args.vpcs, args.limit, args.accounts), "<bench>")
    t0 = time.monotonic()
    p = plan(scn)
    plan_s = time.monotonic() - t0
    assert p.safe, [pr.message for pr in p.problems]
    peaks = peak_associations(p, scn)
    print(
        f"estate                   {args.vpcs} workload VPCs + shared services, zone limit {args.limit}, "
        f"{args.accounts} account(s)"
    )
    print(
        f"plan                     safe in {plan_s:.2f} s: {len(p.steps)} steps, "
        f"{len({s.wave for s in p.steps})} waves, copies {', '.join(p.bridges) or '-'}"
    )
    print(f"most VPCs on one zone    {', '.join(f'{z} {n}' for z, n in peaks.items())}")
    t0 = time.monotonic()
    r = rehearse_state_machine(scn)
    wall = time.monotonic() - t0
    print(f"status                   {r.status} {r.error or ''}")
    print(f"time_scale               {scn.twin.time_scale}")
    print(f"wall seconds (run)       {r.wall_seconds:.1f}   (with twin build + deploy: {wall:.1f})")
    print(f"simulated seconds        {r.simulated_seconds:.1f}")
    print(f"state transitions        {r.state_transitions}")
    print(f"Lambda invocations       {r.lambda_invocations}")
    print(
        f"API calls                {sum(r.api_calls.values())}  (CreateHostedZone "
        f"{r.api_calls.get('route53:CreateHostedZone', 0)}, AssociateVPCWithHostedZone "
        f"{r.api_calls.get('route53:AssociateVPCWithHostedZone', 0)})"
    )
    print(f"VPCs sampled             {len(r.resolution)}")
    print(f"downtime (s, all VPCs)   {sum(row['downtime_seconds'] for row in r.resolution):.0f}")
    print(f"zones left               {sorted(r.final.get('hosted_zones', {}))}")


if __name__ == "__main__":
    main()
