"""``profile-migrator``: the operator CLI (plan, rehearse, twin serve, discover)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click
from profile_migrator.estate import Scenario, ScenarioError, load_scenario
from profile_migrator.planner import Plan, plan

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2
EXIT_REFUSED = 3


def _load(path: str) -> Scenario:
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INVALID)


def _emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2) + "\n")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Move interface VPC endpoint DNS from private hosted zones to Route 53 Profiles, with zero downtime."""


def file_option(name: str, dest: str, help: str) -> Callable[[F], F]:
    """An option naming an existing file (``--ids``, ``--accounts``), ``None`` when not given."""
    return click.option(name, dest, type=click.Path(dir_okay=False, exists=True), default=None, help=help)


def procedure_option(help: str) -> Callable[[F], F]:
    """``--procedure converge|published``."""
    choice = click.Choice(["converge", "published"])
    return click.option("--procedure", type=choice, default="converge", show_default=True, help=help)


@cli.command("plan")
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the plan as the contract's JSON object.")
@procedure_option("converge: the proven plan; published: the literal published order.")
def plan_cmd(scenario: str, as_json: bool, procedure: str) -> None:
    """Plan the migration of SCENARIO and prove it step by step. Changes nothing."""
    scn = _load(scenario)
    result = plan(scn, procedure)  # type: ignore[arg-type]
    if as_json:
        _emit_json(result.to_json())
    else:
        from .render import render_plan

        render_plan(scn, result)
    sys.exit(EXIT_OK if result.safe else EXIT_REFUSED)


def main() -> None:
    # Subcommands that need the twin register themselves lazily (the twin pulls in moto).
    from . import commands_aws, commands_discover, commands_twin  # noqa: F401

    cli()


def plan_exit_code(result: Plan) -> int:
    return EXIT_OK if result.safe else EXIT_REFUSED
