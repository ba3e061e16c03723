"""Cold-import benchmark: how long each function's ``import app`` takes in a fresh interpreter.

Run: ``.venv/bin/python bench/cold_imports.py [--runs 7] [--json] [FUNCTION ...]``.

Each measurement is a new interpreter (``python -I``: no PYTHONPATH, no user site) whose ``sys.path``
starts as Lambda's does: the function's directory (``LAMBDA_TASK_ROOT``), then the layer's code
(``/opt/python``; here ``layers/common``), then the installed packages. The interpreter times
``import app`` with ``time.perf_counter`` (its own start-up is the same for every target and is left
out). The environment is the template's ``Globals`` (``POWERTOOLS_SERVICE_NAME``, …), nothing else.

The baseline, measured in the same run and interleaved with the functions (so machine load hits both
alike), is the bare Powertools + boto3 + X-Ray import a function cannot do without:
``import aws_lambda_powertools, boto3, aws_xray_sdk.core`` — the X-Ray SDK's top-level package is an
empty shell; ``aws_xray_sdk.core`` is what ``Tracer()`` loads. ``narrow`` is the same import with the
bare ``aws_xray_sdk`` package, shown for reference. Every figure is the minimum of ``--runs`` runs.
The ratio is taken on CPU time (``time.process_time``): on a shared machine the wall time also counts
waiting for a core; the wall figures and their ratio are printed beside it.

Targets (issue 11): every function ≤ 1.15× the baseline, the probe ≤ 0.8×; the exit status is 1 when a
function misses its target.

``--built .aws-sam/build --python ~/.pyenv/versions/3.13.0/bin/python3.13`` measures what Lambda runs: the
functions as ``sam build`` made them, the layer's packages (the baseline imports from the layer too), with
the runtime's Python (``make build`` first; the layer's compiled wheels are arm64, which none of these
imports needs).

What a handler imports on its first event instead of at init still costs that cold start: the one such
function, the preflight (the planner, the estate model and discovery, loaded by its handler), is measured
with those imports too, as a row of its own (``preflight + first event``, no target: it runs once per
execution, beside seconds of discovery) so that the table hides nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"
LAYER = ROOT / "layers" / "common"

BASELINE = "import aws_lambda_powertools, boto3, aws_xray_sdk.core"
NARROW = "import aws_lambda_powertools, boto3, aws_xray_sdk"
TARGET = 1.15
PROBE_TARGET = 0.8
# function -> what its handler imports on its first event (handlers.preflight)
FIRST_EVENT = {"preflight": "import profile_migrator.preflight"}

ENV = {  # template.yaml Globals.Function.Environment (the table name is a placeholder)
    "TABLE_NAME": "profile-migrator",
    "MEMBER_ROLE_NAME": "profile-migrator-member",
    "POWERTOOLS_SERVICE_NAME": "profile-migrator",
    "POWERTOOLS_METRICS_NAMESPACE": "ProfileMigrator",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "AWS_DEFAULT_REGION": "us-east-1",
}

_TIMER = """
import sys, time
sys.path[0:0] = {paths!r}
t0, c0 = time.perf_counter(), time.process_time()
{stmt}
t1, c1 = time.perf_counter(), time.process_time()
print(t1 - t0, c1 - c0)
print(",".join(m for m in ("profile_migrator.planner", "profile_migrator.estate", "pydantic", "yaml", "boto3",
                           "aws_xray_sdk.core", "dns.resolver") if m in sys.modules))
"""


def _env() -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    return {**keep, **ENV}


def time_import(
    stmt: str, paths: list[str], cwd: Path, python: str = sys.executable
) -> tuple[float, float, list[str]]:
    """Wall and CPU seconds one fresh interpreter takes to run ``stmt``, and the heavy modules it loaded."""
    code = _TIMER.format(paths=paths, stmt=stmt)
    out = subprocess.run(
        [python, "-I", "-c", code], cwd=cwd, env=_env(), capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"{stmt!r} in {cwd} failed:\n{out.stderr}")
    lines = out.stdout.splitlines()
    wall, cpu = (float(x) for x in lines[-2].split())
    return wall, cpu, [m for m in lines[-1].split(",") if m]


def functions(names: list[str], built: Path | None = None) -> list[Path]:
    """The functions' directories: the sources (``functions/<name>``) or, with ``built``, what ``sam build``
    made of them (``.aws-sam/build/<LogicalId>``, what Lambda runs)."""
    root = built or FUNCTIONS
    dirs = sorted(p for p in root.iterdir() if (p / "app.py").is_file())
    return [p for p in dirs if not names or p.name in names]


def source_name(d: Path) -> str:
    """The source function a (built) directory is: the one whose ``app.py`` it carries."""
    code = (d / "app.py").read_bytes()
    return next((f.name for f in functions([]) if (f / "app.py").read_bytes() == code), d.name)


def measure(dirs: list[Path], runs: int, layer: Path = LAYER, python: str = sys.executable) -> dict[str, Any]:
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    loaded: dict[str, list[str]] = {}
    kind = {d.name: source_name(d) for d in dirs}
    # Built, the dependencies are in the layer (an interpreter without them: Lambda's); from the sources,
    # in the venv's site-packages.
    base_paths = [] if layer == LAYER else [str(layer)]
    targets = [("baseline", BASELINE, ROOT, base_paths), ("narrow", NARROW, ROOT, base_paths)]
    targets += [(d.name, "import app", d, [str(d), str(layer)]) for d in dirs]
    # (Built, a first event is not measured: the preflight's loads pydantic, whose compiled core in the
    # layer is built for Lambda's arm64.)
    targets += [
        (f"{d.name} + first event", f"import app; {FIRST_EVENT[kind[d.name]]}", d, [str(d), str(layer)])
        for d in dirs
        if kind[d.name] in FIRST_EVENT and layer == LAYER
    ]
    for _ in range(runs):
        for name, stmt, cwd, paths in targets:
            w, c, mods = time_import(stmt, paths, cwd, python)
            wall[name] = min(wall.get(name, w), w)
            cpu[name] = min(cpu.get(name, c), c)
            loaded[name] = mods
    rows = []
    for name, _, _, _ in targets[2:]:
        first_event = name.endswith(" + first event")
        target = None if first_event else PROBE_TARGET if kind[name] == "probe" else TARGET
        ratio = cpu[name] / cpu["baseline"]
        rows.append(
            {
                "function": name,
                "cpu_ms": round(cpu[name] * 1000, 1),
                "wall_ms": round(wall[name] * 1000, 1),
                "ratio": round(ratio, 2),
                "wall_ratio": round(wall[name] / wall["baseline"], 2),
                "target": target,
                "ok": target is None or ratio <= target,
                "loads": loaded[name],
            }
        )
    return {
        "runs": runs,
        "baseline": {
            "cpu_ms": round(cpu["baseline"] * 1000, 1),
            "wall_ms": round(wall["baseline"] * 1000, 1),
        },
        "narrow": {"cpu_ms": round(cpu["narrow"] * 1000, 1), "wall_ms": round(wall["narrow"] * 1000, 1)},
        "functions": rows,
    }


def table(res: dict[str, Any]) -> str:
    b, n = res["baseline"], res["narrow"]
    lines = [
        f"baseline `{BASELINE}`: {b['cpu_ms']:.0f} ms CPU, {b['wall_ms']:.0f} ms wall "
        f"(narrow `{NARROW}`: {n['cpu_ms']:.0f} ms CPU); min of {res['runs']} fresh interpreters",
        "",
        "| function | CPU ms | × baseline | wall ms | × baseline (wall) | target | heavy modules loaded |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in res["functions"]:
        mark = "" if r["ok"] else " ✗"
        target = "—" if r["target"] is None else f"≤ {r['target']}"
        lines.append(
            f"| {r['function']} | {r['cpu_ms']:.0f} | {r['ratio']:.2f}{mark} | {r['wall_ms']:.0f} | "
            f"{r['wall_ratio']:.2f} | {target} | "
            f"{', '.join(r['loads']) or '—'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("functions", nargs="*", help="function directories under functions/ (default: all)")
    ap.add_argument("--runs", type=int, default=7, help="fresh interpreters per target (the minimum is kept)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--built",
        type=Path,
        help="measure what `sam build` made (e.g. .aws-sam/build: each function and CommonLayer/python)",
    )
    ap.add_argument("--python", default=sys.executable, help="the interpreter (e.g. Lambda's python3.13)")
    args = ap.parse_args(argv)
    layer = args.built / "CommonLayer" / "python" if args.built else LAYER
    res = measure(functions(args.functions, args.built), args.runs, layer, args.python)
    print(json.dumps(res, indent=2) if args.json else table(res))
    return 0 if all(r["ok"] for r in res["functions"]) else 1


if __name__ == "__main__":
    sys.exit(main())
