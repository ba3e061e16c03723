"""Benchmark: the published manual procedure replayed on the twin (the baseline of `rehearse`).

    .venv/bin/python bench/replay_published.py [SCENARIO] [--runs 3] [--time-scale 0.01] [--calls]

Replays SCENARIO's published procedure (default: the path-1 example) on a fresh twin per run and prints,
per run and as the median: real seconds of the replay (``wall_seconds``; the twin build beside it),
simulated seconds, the speed-up (simulated / real), AWS API calls, and the downtime the sampler saw.
``--calls`` adds the calls per ``service:Operation`` of the last run.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

from profile_migrator.estate import load_scenario

from twin.core import Twin
from twin.rehearsal import replay_published


def one_run(path: Path, time_scale: float) -> dict[str, Any]:
    scn = load_scenario(path)
    scn.twin.time_scale = time_scale
    t0 = time.monotonic()
    tw = Twin(scn).start()
    try:
        build = time.monotonic() - t0
        r = replay_published(scn, twin=tw)
    finally:
        tw.stop()
    return {
        "status": r.status,
        "build": build,
        "real": r.wall_seconds,
        "simulated": r.simulated_seconds,
        "aws_wait": r.aws_wait_seconds,
        "calls": sum(r.api_calls.values()),
        "per_call": r.api_calls,
        "downtime": sum(row["downtime_seconds"] for row in r.resolution),
        "error": r.error,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario", nargs="?", default="examples/path1-direct-phz.yaml")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--time-scale", type=float, default=0.01)
    ap.add_argument("--calls", action="store_true", help="print the API calls per operation of the last run")
    args = ap.parse_args()
    path = Path(args.scenario)
    print(f"published replay of {path} at time_scale {args.time_scale}")
    print(
        f"{'run':>3} {'status':<10} {'build s':>8} {'real s':>7} {'simulated s':>12} {'sim/real':>9} "
        f"{'aws wait s':>11} {'api calls':>10} {'downtime s':>11}"
    )
    runs = []
    for i in range(args.runs):
        r = one_run(path, args.time_scale)
        runs.append(r)
        print(
            f"{i + 1:>3} {r['status']:<10} {r['build']:>8.2f} {r['real']:>7.2f} {r['simulated']:>12.1f} "
            f"{r['simulated'] / r['real']:>9.0f} {r['aws_wait']:>11.1f} {r['calls']:>10} {r['downtime']:>11.1f}"
        )
        if r["error"]:
            print(f"    error: {r['error']}")

    def med(key: str) -> float:
        return statistics.median(float(r[key]) for r in runs)

    print(
        f"median: real {med('real'):.2f} s (build {med('build'):.2f} s), simulated {med('simulated'):.1f} s, "
        f"{med('simulated') / med('real'):.0f} simulated s per real s, {med('calls'):.0f} API calls, "
        f"downtime {med('downtime'):.1f} s"
    )
    if args.calls:
        for op, n in sorted(runs[-1]["per_call"].items()):
            print(f"  {op:<55} {n:>5}")


if __name__ == "__main__":
    main()
