"""Benchmark: the real state machine rehearsed on big estates in the twin (issue 8 item 7).

    .venv/bin/python bench/rehearse_scale.py                         # 100 VPCs x 10 endpoints, and 300 x 1 path 2
    .venv/bin/python bench/rehearse_scale.py --vpcs 20 --endpoints 2   # one size (mixed paths)
    .venv/bin/python bench/rehearse_scale.py --vpcs 300 --endpoints 1 --path 2

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


def estate(n_vpcs: int, n_endpoints: int, path: str, only: list[str] | None = None,
           time_scale: float = 0.01) -> Scenario:
    """plan_scale's estate; ``path`` '1'/'2' makes every endpoint direct PHZ / profile PHZ; ``only`` migrates
    only those endpoints (the others stay in the estate)."""
    doc: dict[str, Any] = build_estate(n_vpcs, n_endpoints)
    all_vpcs = list(doc["vpcs"])
    if path in ("1", "2"):
        for zone in doc["hosted_zones"].values():
            zone["vpcs"] = ["shared-services"] if path == "2" else all_vpcs
        doc["profiles"]["central"]["hosted_zones"] = list(doc["hosted_zones"]) if path == "2" else []
        doc["profiles"]["central"]["vpcs"] = all_vpcs if path == "2" else []
    if only is not None:
        doc["migration"]["endpoints"] = only
    doc["migration"]["approvals"] = "none"
    doc["twin"] = {"time_scale": time_scale}
    return parse_scenario(doc, f"bench-{n_vpcs}x{n_endpoints}-path{path}")


def rehearse(scn: Scenario) -> dict[str, Any]:
    from twin.dispatch import handler_seconds

    t0 = time.monotonic()
    r = rehearse_state_machine(scn)
    total = time.monotonic() - t0
    if r.status != "SUCCEEDED":
        raise SystemExit(f"{scn.name if hasattr(scn, 'name') else 'estate'}: {r.status} {r.error[:500]}")
    gb_s = sum(sec * mem / 1024 for sec, mem in handler_seconds().values())
    calls = r.lambda_invocations
    usd = r.state_transitions * TRANSITION_USD + calls * LAMBDA_REQUEST_USD + gb_s * LAMBDA_GB_SECOND_USD
    return {"wall": r.wall_seconds, "wall_total": total, "sim": r.simulated_seconds, "transitions": r.state_transitions,
            "invocations": calls, "gb_s": gb_s, "usd": usd,
            "downtime": sum(row["downtime_seconds"] for row in r.resolution), "pairs_sampled": len(r.resolution),
            "lag": getattr(r, "sampler_lag", None)}


def measure(n_vpcs: int, n_endpoints: int, path: str, singles: bool) -> None:
    scn = estate(n_vpcs, n_endpoints, path)
    assert scn.migration is not None
    endpoints = list(scn.migration.endpoints)
    full = rehearse(scn)
    pairs = n_vpcs * len(endpoints)
    ref = None
    if singles:
        kinds = {"2": [endpoints[0]], "1": [endpoints[0]]}.get(path, endpoints[:2])
        ref = max(rehearse(estate(n_vpcs, n_endpoints, path, only=[e]))["sim"] for e in kinds)
    ratio = f"{full['sim'] / ref:.2f}" if ref else "-"
    print(f"{n_vpcs:>5} {n_endpoints:>3} {path:>5} {full['wall']:>7.0f} ({full['wall_total']:>5.0f}) {full['sim']:>8.0f} "
          f"{(f'{ref:.0f}' if ref else '-'):>7} {ratio:>6} {full['transitions'] / pairs:>8.2f} "
          f"{full['invocations'] / pairs:>8.2f} {full['transitions']:>7} {full['invocations']:>6} "
          f"{full['usd']:>7.3f} {full['downtime']:>6.0f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vpcs", type=int)
    ap.add_argument("--endpoints", type=int, default=1)
    ap.add_argument("--path", choices=["mixed", "1", "2"], default="mixed")
    ap.add_argument("--no-singles", action="store_true", help="skip the single-endpoint reference runs")
    args = ap.parse_args(argv)
    sizes = [(args.vpcs, args.endpoints, args.path)] if args.vpcs else [(100, 10, "mixed"), (300, 1, "2")]
    print(f"python {sys.version.split()[0]}")
    print(f"{'VPCs':>5} {'eps':>3} {'path':>5} {'wall s':>7} {'(+build)':>7} {'sim s':>8} {'1-ep s':>7} {'ratio':>6} "
          f"{'tr/pair':>8} {'λ/pair':>8} {'trans':>7} {'λ':>6} {'USD':>7} {'down s':>6}")
    for n_v, n_e, path in sizes:
        measure(n_v, n_e, path, not args.no_singles)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
