"""Cold starts (issue 11): each function's ``import app`` loads only what the function uses.

Each check is a fresh interpreter whose ``sys.path`` starts as Lambda's does (the function's directory,
then the layer's code); it imports ``app`` and reports which modules it loaded. The timings themselves
are ``bench/cold_imports.py``'s (too noisy on a shared machine for a test).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"
LAYER = ROOT / "layers" / "common"

# What no function but the preflight needs, and the preflight only once it runs (then it plans).
PLANNING = {
    "profile_migrator.planner",
    "profile_migrator.estate",
    "profile_migrator.resolution",
    "profile_migrator.discovery",
    "yaml",
}
PROBE_FORBIDDEN = PLANNING | {
    "boto3",
    "pydantic",
    "aws_xray_sdk.core",
    "profile_migrator.models",
    "profile_migrator.runtime",
    "profile_migrator.actions",
}
# pydantic's own import is ≈ 0.17× the baseline: the events are typed with profile_migrator.typed, and only
# the preflight's first event loads pydantic (the console's request, the estate model). Powertools' parser
# (pydantic models) and its event handler (≈ 25 ms with its event data classes) are not loaded either.
HEAVY = {
    "pydantic",
    "pydantic_core",
    "profile_migrator.request",
    "aws_lambda_powertools.utilities.parser",
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.utilities.data_classes",
}

ALL = sorted(p.name for p in FUNCTIONS.iterdir() if (p / "app.py").is_file())


def loaded_by(function: str, then: str = "") -> set[str]:
    """The modules a fresh interpreter holds after ``import app`` (and ``then``: a first event's imports)."""
    code = (
        f"import sys, json; sys.path[0:0] = [{str(FUNCTIONS / function)!r}, {str(LAYER)!r}]; import app; "
        f"{then}\nprint(json.dumps(sorted(sys.modules)))"
    )
    env = {"POWERTOOLS_SERVICE_NAME": "profile-migrator", "AWS_DEFAULT_REGION": "us-east-1"}
    out = subprocess.run(
        [sys.executable, "-I", "-c", code],
        cwd=FUNCTIONS / function,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_every_function_is_checked() -> None:
    assert "probe" in ALL and "preflight" in ALL and len(ALL) >= 20


def test_the_probe_loads_dnspython_and_the_logger_only() -> None:
    mods = loaded_by("probe")
    assert {"dns.resolver", "aws_lambda_powertools.logging.logger", "profile_migrator.probe"} <= mods
    assert not mods & PROBE_FORBIDDEN, sorted(mods & PROBE_FORBIDDEN)


@pytest.mark.parametrize("function", [f for f in ALL if f != "probe"])
def test_no_function_loads_the_planner_at_import(function: str) -> None:
    mods = loaded_by(function)
    assert not mods & PLANNING, sorted(mods & PLANNING)
    assert not mods & HEAVY, sorted(mods & HEAVY)
    assert "dns.resolver" not in mods


def test_a_handler_imports_at_init_what_every_event_needs() -> None:
    """Lambda's init phase is where a function's imports belong: a module every event needs is not left
    to the first event (that would move the cost, not remove it). The preflight's planner is the one
    exception (bench/cold_imports.py measures it as ``preflight + first event``)."""
    assert "profile_migrator.approvals" in loaded_by("approval_request")
    assert {"profile_migrator.approvals", "profile_migrator.typed"} <= loaded_by("approval_callback")
    assert "profile_migrator.dns_facts" in loaded_by("onboard_probe")


def test_the_preflights_first_event_loads_the_planner_but_not_pyyaml() -> None:
    """What the preflight's handler imports on its first event (bench/cold_imports.py's ``preflight + first
    event`` row): the planner and the estate model, not the scenario files' PyYAML (it discovers)."""
    mods = loaded_by("preflight", "import profile_migrator.preflight")
    assert {"profile_migrator.planner", "profile_migrator.estate", "profile_migrator.discovery"} <= mods
    assert "yaml" not in mods


def test_the_approval_functions_load_what_their_events_need_and_no_step_machinery() -> None:
    """The request stores the token (the run table, the run's documents: runs.py) and posts to Slack; the
    callback checks a signature and decides: neither performs a step, so neither loads the step machinery."""
    request, callback = loaded_by("approval_request"), loaded_by("approval_callback")
    assert {"profile_migrator.approvals", "profile_migrator.runs", "profile_migrator.slack"} <= request
    assert {"profile_migrator.approvals", "profile_migrator.slack", "hmac"} <= callback
    steps = {"profile_migrator.runtime", "profile_migrator.actions", "profile_migrator.handlers"}
    assert not request & steps, sorted(request & steps)
    assert not callback & steps, sorted(callback & steps)
    for mods in (request, callback):
        assert not mods & (PLANNING | HEAVY), sorted(mods & (PLANNING | HEAVY))


@pytest.mark.parametrize("function", [f for f in ALL if f != "probe"])
def test_app_imports_boto3_first_at_its_top_level(function: str) -> None:
    """CPython 3.11 keeps frames in a per-thread stack of chunks: when botocore's import-time regex
    compilation (recursive) runs where a chunk ends, each call there maps and unmaps a chunk (700-1,250
    munmap calls per ``import app`` against the baseline's 33, ≈ 4-10% of its CPU), depending on how deep in
    the import chain boto3 is first loaded. ``import boto3`` first, in app.py, loads it where the baseline
    does (docs/benchmarks.md). The probe loads no boto3."""
    tree = ast.parse((FUNCTIONS / function / "app.py").read_text())
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    first = next(  # the first import beyond the standard library
        n
        for n in imports
        if not all(
            name.split(".")[0] in sys.stdlib_module_names or name == "__future__"
            for name in ([a.name for a in n.names] if isinstance(n, ast.Import) else [n.module or ""])
        )
    )
    assert isinstance(first, ast.Import) and [a.name for a in first.names] == ["boto3"], (
        f"functions/{function}/app.py: the first import beyond the standard library is not `import boto3`"
    )
    assert "boto3" in loaded_by(function)


def test_the_probe_handler_parses_its_event() -> None:
    from profile_migrator.probe import InvalidProbeEvent, ProbeEvent

    ev = ProbeEvent.parse({"names": ["a.example.com"], "expected": {"a.example.com": ["10.0.0.5"]}})
    assert ev.names == ["a.example.com"] and ev.expected == {"a.example.com": ["10.0.0.5"]}
    assert ProbeEvent.parse({"names": []}).expected == {}
    for bad in (
        {},
        {"names": "a"},
        {"names": [1]},
        {"names": [], "expected": {"a": "b"}},
        {"names": [], "x": 1},
    ):
        with pytest.raises(InvalidProbeEvent):
            ProbeEvent.parse(bad)
