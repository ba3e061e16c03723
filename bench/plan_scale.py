"""Planner scale benchmark: plan an estate of N VPCs x M endpoints, report wall time and peak memory.

Run: ``.venv/bin/python bench/plan_scale.py`` (or ``make bench``). ``--vpcs 1000 --endpoints 50`` runs
one size; ``--profile`` prints the top of a cProfile of the largest size.

Each estate is built in code: a shared-services VPC holding every endpoint plus N-1 workload VPCs in
four accounts; one self-managed zone per endpoint, reaching every VPC. Architectures alternate by
endpoint: even endpoints are "direct PHZ" (zone directly associated with every VPC), odd ones
"profile PHZ" (zone attached to the Profile, which every VPC has joined), so the plan exercises both
published paths, cross-account authorisations (CP-9) and waves.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import sys
import time
import tracemalloc
from typing import Any

from profile_migrator.estate import Scenario, parse_scenario
from profile_migrator.planner import plan

REGION = "us-east-1"
ACCOUNTS = {"network": "111111111111", "wl-a": "222222222222", "wl-b": "333333333333", "wl-c": "444444444444"}
WORKLOAD_ACCOUNTS = ["wl-a", "wl-b", "wl-c", "network"]


def build_estate(n_vpcs: int, n_endpoints: int, n_accounts: int = 4) -> dict[str, Any]:
    """The scenario document (plain data) for ``n_vpcs`` VPCs and ``n_endpoints`` endpoints, the workload VPCs
    spread over ``n_accounts`` accounts (the network account and ``n_accounts - 1`` workload accounts)."""
    accounts = dict(ACCOUNTS)
    workload = list(WORKLOAD_ACCOUNTS)
    if n_accounts != 4:
        accounts = {"network": "111111111111"} | {
            f"wl-{chr(97 + i)}": f"{i + 2}" * 12 for i in range(n_accounts - 1)
        }
        workload = [a for a in accounts if a != "network"] + ["network"]
    vpcs: dict[str, Any] = {"shared-services": {"account": "network", "cidr": "10.0.0.0/24"}}
    for i in range(1, n_vpcs):
        vpcs[f"vpc-{i:04d}"] = {
            "account": workload[i % len(workload)],
            "cidr": f"10.{i // 256}.{i % 256}.0/24",
        }
    all_vpcs = list(vpcs)
    endpoints: dict[str, Any] = {}
    zones: dict[str, Any] = {}
    carried: list[str] = []
    for j in range(n_endpoints):
        service = f"svc{j:02d}"
        ep = f"ep-{service}"
        dns = f"{service}.{REGION}.amazonaws.com"
        endpoints[ep] = {"vpc": "shared-services", "service": service, "private_dns": False}
        profile_phz = j % 2 == 1
        zones[f"zone-{service}"] = {
            "account": "network",
            "name": dns,
            "vpcs": ["shared-services"] if profile_phz else all_vpcs,
            "records": [{"name": dns, "type": "A", "alias_to": ep}],
            # Q-1 (300 VPCs per zone by default) is adjustable: an estate this size has had it raised,
            # with room for the parking VPC.
            "max_vpcs": max(300, n_vpcs + 1),
        }
        if profile_phz:
            carried.append(f"zone-{service}")
    return {
        "region": REGION,
        "accounts": accounts,
        "vpcs": vpcs,
        "endpoints": endpoints,
        "hosted_zones": zones,
        "profiles": {
            "central": {
                "account": "network",
                # profile-PHZ endpoints need every VPC in the Profile; with none, the estate is pure direct-PHZ
                "vpcs": all_vpcs if carried else [],
                "hosted_zones": carried,
                "shared_with": [a for a in accounts if a != "network"],
            }
        },
        "migration": {"profile": "central", "endpoints": list(endpoints), "parking_vpc": "auto"},
    }


def measure(n_vpcs: int, n_endpoints: int, repeat: int = 3) -> dict[str, Any]:
    doc = build_estate(n_vpcs, n_endpoints)
    gc.collect()
    t0 = time.perf_counter()
    scn: Scenario = parse_scenario(doc, f"bench-{n_vpcs}x{n_endpoints}")
    t_load = time.perf_counter() - t0
    gc.collect()
    tracemalloc.start()
    t0 = time.perf_counter()
    result = plan(scn)
    t_plan = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # Times without tracemalloc's overhead (it slows allocation-heavy code down several times); the best
    # of ``repeat`` runs, because a shared machine adds noise, never speed.
    t_plan_untraced = cpu_plan = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        plan(scn)
        t_plan_untraced = min(t_plan_untraced, time.perf_counter() - t0)
        cpu_plan = min(cpu_plan, time.process_time() - c0)
    if not result.safe:
        raise SystemExit(f"bench estate {n_vpcs}x{n_endpoints} was refused: {result.problems[:3]}")
    return {
        "vpcs": n_vpcs,
        "endpoints": n_endpoints,
        "pairs": n_vpcs * n_endpoints,
        "load_s": t_load,
        "plan_s": t_plan_untraced,
        "plan_cpu_s": cpu_plan,
        "plan_traced_s": t_plan,
        "peak_mib": peak / 2**20,
        "steps": len(result.steps),
        "predicted": len(result.predicted),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vpcs", type=int, nargs="*", default=[250, 500, 1000])
    ap.add_argument("--endpoints", type=int, nargs="*", default=[10, 25, 50])
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per size (the best is reported)")
    ap.add_argument("--profile", action="store_true", help="cProfile the largest size and print the top 25")
    args = ap.parse_args(argv)
    header = (
        f"{'VPCs':>6} {'endpoints':>9} {'pairs':>7} {'load s':>7} {'plan s':>7} {'cpu s':>7} "
        f"{'µs/pair':>8} {'peak MiB':>9} {'steps':>7} {'predicted':>9}"
    )
    print(f"python {sys.version.split()[0]}")
    print(header)
    for n_e in sorted(args.endpoints):
        for n_v in sorted(args.vpcs):
            r = measure(n_v, n_e, args.repeat)
            print(
                f"{r['vpcs']:>6} {r['endpoints']:>9} {r['pairs']:>7} {r['load_s']:>7.2f} {r['plan_s']:>7.2f} "
                f"{r['plan_cpu_s']:>7.2f} {1e6 * r['plan_cpu_s'] / r['pairs']:>8.1f} {r['peak_mib']:>9.1f} "
                f"{r['steps']:>7} "
                f"{r['predicted']:>9}",
                flush=True,
            )
    if args.profile:
        scn = parse_scenario(build_estate(max(args.vpcs), max(args.endpoints)), "bench")
        prof = cProfile.Profile()
        prof.enable()
        plan(scn)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
