"""Benchmark (issue 11): the state machine beside the published procedure on every example estate, in one run.

    .venv/bin/python bench/issue11.py                       # every example with a migration, 1 run each
    .venv/bin/python bench/issue11.py --runs 3 examples/path1-direct-phz.yaml
    .venv/bin/python bench/issue11.py --cold --plan         # also cold imports and plan 1,000 x 50

For each estate: the state machine rehearsed in the twin (``rehearse``) and the published procedure
replayed literally (``rehearse --procedure published``), each on a fresh twin at the scenario's
time_scale. Columns: simulated seconds (ours, published, ratio ours / published), AWS's own waits on our
critical path and the overhead (simulated / AWS wait), downtime summed over the watched (VPC, name) pairs
(ours / published), transitions and Lambda invocations (total and per endpoint), and the dollars (Step
Functions transitions + Lambda requests + GB-seconds, in-task polling included: ``twin.run.cost_of``) in
total, per endpoint and per watched (VPC, name) pair. With ``--runs N`` the figures are the run with the
median simulated time, the ranges beside them.

Simulated time runs at real speed while the twin's own code works (``docs/twin.md``), so a loaded machine
adds seconds: read the ranges, and compare figures measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from profile_migrator.estate import load_scenario

from twin.rehearsal import replay_published
from twin.run import rehearse_state_machine

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [
    "examples/path1-direct-phz.yaml",
    "examples/path2-profile-phz.yaml",
    "examples/multi-account.yaml",
    "examples/greenfield.yaml",
    "examples/two-profiles.yaml",
    "examples/path2-bridge-copies.yaml",
]


def downtime(result: Any) -> float:
    return float(sum(row["downtime_seconds"] for row in result.resolution))


def one(path: Path, runs: int) -> dict[str, Any]:
    ours = []
    published = []
    for _ in range(runs):
        scn = load_scenario(path)
        ours.append(rehearse_state_machine(scn))
        published.append(replay_published(load_scenario(path)))
    ours.sort(key=lambda r: r.simulated_seconds)
    published.sort(key=lambda r: r.simulated_seconds)
    mid = ours[len(ours) // 2]
    pub = published[len(published) // 2]
    return {
        "estate": path.stem,
        "status": mid.status,
        "sim": mid.simulated_seconds,
        "sim_range": (ours[0].simulated_seconds, ours[-1].simulated_seconds),
        "pub": pub.simulated_seconds,
        "pub_range": (published[0].simulated_seconds, published[-1].simulated_seconds),
        "ratio": mid.simulated_seconds / pub.simulated_seconds if pub.simulated_seconds else 0.0,
        "aws": mid.aws_wait_seconds,
        "overhead": mid.simulated_seconds / mid.aws_wait_seconds if mid.aws_wait_seconds else 0.0,
        "down": max(downtime(r) for r in ours),
        "pub_down": statistics.median(downtime(r) for r in published),
        "transitions": mid.state_transitions,
        "invocations": mid.lambda_invocations,
        "cost": mid.cost,
    }


def print_rehearsals(rows: list[dict[str, Any]]) -> None:
    print(
        f"{'estate':<22} {'status':<10} {'ours s':>7} {'(range)':>13} {'pub s':>6} {'ours/pub':>8} "
        f"{'aws s':>6} {'ovh':>5} {'down':>5} {'pub dn':>6} {'trans':>5} {'/ep':>5} {'λ':>4} {'λ/ep':>5} "
        f"{'USD':>8} {'USD/ep':>8} {'pairs':>5} {'USD/pair':>9} {'tr/pair':>7}"
    )
    for r in rows:
        c = r["cost"] or {"usd": 0, "per_endpoint": {}, "per_pair": {}, "pairs": 0}
        ep, pair = c["per_endpoint"], c["per_pair"]
        lo, hi = r["sim_range"]
        print(
            f"{r['estate']:<22} {r['status']:<10} {r['sim']:>7.0f} {f'({lo:.0f}-{hi:.0f})':>13} {r['pub']:>6.0f} "
            f"{r['ratio']:>7.2f}x {r['aws']:>6.0f} {r['overhead']:>4.2f}x {r['down']:>5.0f} {r['pub_down']:>6.0f} "
            f"{r['transitions']:>5} {ep.get('transitions', 0):>5.0f} {r['invocations']:>4} "
            f"{ep.get('lambda_invocations', 0):>5.0f} {c['usd']:>8.5f} {ep.get('usd', 0):>8.5f} {c['pairs']:>5} "
            f"{pair.get('usd', 0):>9.6f} {pair.get('transitions', 0):>7.1f}",
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenarios", nargs="*", default=EXAMPLES)
    ap.add_argument(
        "--runs", type=int, default=1, help="rehearsals of each kind per estate (median reported)"
    )
    ap.add_argument("--cold", action="store_true", help="also bench/cold_imports.py (min of 5 interpreters)")
    ap.add_argument(
        "--plan", action="store_true", help="also bench/plan_scale.py on 1,000 VPCs x 50 endpoints"
    )
    args = ap.parse_args(argv)
    print(f"python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    rows = []
    for s in args.scenarios:
        rows.append(one(ROOT / s, args.runs))
    print_rehearsals(rows)
    if args.plan:
        subprocess.run(
            [sys.executable, str(ROOT / "bench/plan_scale.py"), "--vpcs", "1000", "--endpoints", "50"],
            check=True,
        )
    if args.cold:
        subprocess.run([sys.executable, str(ROOT / "bench/cold_imports.py"), "--runs", "5"], check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
