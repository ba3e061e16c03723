"""Benchmark: one state-machine rehearsal of the published path-1 estate at time_scale 0.01.

Prints wall seconds, simulated seconds, AWS wait (critical path), the overhead ratio, state transitions
and Lambda invocations per endpoint, and API calls.

    .venv/bin/python bench/rehearse_path1.py [SCENARIO]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from profile_migrator.estate import load_scenario

from twin.run import rehearse_state_machine


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "examples/path1-direct-phz.yaml")
    scn = load_scenario(path)
    t0 = time.monotonic()
    r = rehearse_state_machine(scn)
    wall = time.monotonic() - t0
    endpoints = len(scn.migration.endpoints) if scn.migration else 1
    calls = sum(r.api_calls.values())
    print(f"scenario                 {path}")
    print(f"status                   {r.status}")
    print(f"time_scale               {scn.twin.time_scale}")
    print(f"wall seconds (run)       {r.wall_seconds:.1f}   (with twin build + deploy: {wall:.1f})")
    print(f"simulated seconds        {r.simulated_seconds:.1f}")
    print(f"aws_wait_seconds         {r.aws_wait_seconds:.1f}")
    if r.aws_wait_seconds:
        print(f"simulated / aws_wait     {r.simulated_seconds / r.aws_wait_seconds:.2f}")
    print(
        f"state transitions        {r.state_transitions}  ({r.state_transitions / endpoints:.0f} per endpoint)"
    )
    print(
        f"Lambda invocations       {r.lambda_invocations}  ({r.lambda_invocations / endpoints:.0f} per endpoint)"
    )
    print(f"API calls                {calls}")
    print(f"downtime (s, all VPCs)   {sum(row['downtime_seconds'] for row in r.resolution):.0f}")


if __name__ == "__main__":
    main()
