"""CLI commands that run the local twin of AWS (rehearse, twin serve). Imported lazily by main()."""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path

import click

from .main import (
    EXIT_FAILED,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_REFUSED,
    _emit_json,
    _load,
    cli,
    output_option,
    procedure_option,
)

_EXIT = {"SUCCEEDED": EXIT_OK, "ROLLED_BACK": EXIT_FAILED, "FAILED": EXIT_FAILED, "REFUSED": EXIT_REFUSED}


@cli.command("rehearse")
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the contract's JSON object on stdout.")
@procedure_option(
    "converge: the product's state machine; published: the manual procedure replayed literally."
)
@output_option(
    "--report",
    "report_dir",
    directory=True,
    help="Write a report (HTML + SVG) to this directory, with the published replay beside our run.",
)
@click.option(
    "--approve",
    type=click.Choice(["scenario", "ask"]),
    default="scenario",
    show_default=True,
    help="Who answers approvals: the scenario's twin.approver, or you in the terminal.",
)
def rehearse_cmd(scenario: str, as_json: bool, procedure: str, report_dir: str | None, approve: str) -> None:
    """Rehearse the migration of SCENARIO on the local twin of AWS and report what DNS did."""
    scn = _load(scenario)
    progress = None if as_json else (lambda msg: click.echo(f"  {msg}", err=True))
    from twin import rehearsal

    if procedure == "published":
        result = rehearsal.replay_published(scn, progress=progress)
    else:
        try:
            from twin.run import rehearse_state_machine
        except ImportError:  # pragma: no cover - until the state machine lands
            click.echo(
                "error: the state-machine rehearsal is not available yet; use --procedure published", err=True
            )
            sys.exit(EXIT_INVALID)
        result = rehearse_state_machine(scn, progress=progress, approve=approve)
    out = result.to_json()
    if report_dir:
        from twin.report import write_report

        baseline = None
        if procedure != "published" and scn.migration is not None and result.status != "REFUSED":
            baseline = rehearsal.replay_published(scn, progress=progress)
        path = write_report(Path(report_dir), scn, result, baseline, title=Path(scenario).stem)
        click.echo(f"report: {path}", err=True)
    if as_json:
        _emit_json(out)
    else:
        _print_summary(out)
    sys.exit(_EXIT.get(result.status, EXIT_FAILED))


def _print_summary(out: dict[str, object]) -> None:
    click.echo(f"status: {out['status']}  architecture: {out['architecture']}  procedure: {out['procedure']}")
    click.echo(
        f"simulated {out['simulated_seconds']} s (waiting on AWS {out['aws_wait_seconds']} s), "
        f"wall {out['wall_seconds']} s, {out['state_transitions']} transitions, "
        f"{out['lambda_invocations']} Lambda invocations"
    )
    cost = out.get("cost")
    if isinstance(cost, dict):
        ep, pair = cost["per_endpoint"], cost["per_pair"]
        click.echo(
            f"cost ${cost['usd']:.5f} (Step Functions ${cost['usd_transitions']:.5f}, Lambda "
            f"${cost['usd_lambda']:.5f}, {cost['lambda_gb_seconds']} GB-s); per endpoint {ep['transitions']:g} "
            f"transitions, {ep['lambda_invocations']:g} invocations, ${ep['usd']:.5f}; per (VPC, name) pair "
            f"{pair['transitions']:g} transitions, ${pair['usd']:.6f}"
        )
    for p in out["problems"]:  # type: ignore[attr-defined]
        click.echo(f"  problem {p['code']} {p['resource']}: {p['message']}")
    if out.get("error"):
        click.echo(f"  error: {out['error']}")
    for w in out.get("warnings", []):  # type: ignore[attr-defined]
        click.echo(f"  warning {w['code']} {w['resource']}: {w['message']}")
    click.echo("resolution (VPC, name: samples private/public/nxdomain/other, downtime s):")
    for r in out["resolution"]:  # type: ignore[attr-defined]
        click.echo(
            f"  {r['vpc']:<20} {r['name']}: {r['samples']} {r['private']}/{r['public']}/{r['nxdomain']}/"
            f"{r['other']}  downtime {r['downtime_seconds']}"
        )


@cli.group("twin")
def twin_group() -> None:
    """The local twin of AWS."""


@twin_group.command("serve")
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--port", type=int, default=0, help="HTTP port on 127.0.0.1 (default: a free port).")
@output_option(
    "--ids",
    "ids_file",
    help="Write the map of scenario names to AWS ids, credentials and resolver addresses here.",
)
@click.option(
    "--resolver-port", type=int, default=53, show_default=True, help="UDP/TCP port of the VPC resolvers."
)
@click.option(
    "--deploy",
    "with_deploy",
    is_flag=True,
    help="Also deploy template.yaml (state machine, functions, probes) and write state_machine_arn "
    "into the ids: `profile-migrator start` / `watch` can then run migrations against the twin.",
)
def serve_cmd(scenario: str, port: int, ids_file: str | None, resolver_port: int, with_deploy: bool) -> None:
    """Serve SCENARIO's estate as a local AWS endpoint, with one DNS resolver per VPC on loopback."""
    scn = _load(scenario)
    from twin.core import Twin

    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with Twin(scn, server=True, port=port, resolver_port=resolver_port) as tw:
        ids_extra: dict[str, str] = {}
        if with_deploy:
            from twin.deploy import deploy

            dep = deploy(tw)
            ids_extra = {"state_machine_arn": dep.state_machine_arn, "central_account": dep.account}
        tw.arm_faults()
        if with_deploy:
            from twin.run import _map_crash_faults

            _map_crash_faults()  # `crash` faults may name a step action
        ids = {**tw.ids(), **ids_extra}
        text = json.dumps(ids, indent=2)
        if ids_file:  # written whole (rename): a client waiting for the file never reads half of it
            tmp = Path(f"{ids_file}.tmp")
            tmp.write_text(text + "\n", encoding="utf-8")
            tmp.replace(ids_file)
        click.echo(f"twin serving {scenario} at {tw.endpoint_url}", err=True)
        if ids_extra:
            click.echo(f"  state machine {ids_extra['state_machine_arn']}", err=True)
        for name, v in ids["vpcs"].items():
            if "resolver" in v:
                click.echo(f"  VPC {name:<20} resolver {v['resolver']}:{v['resolver_port']}", err=True)
        if not ids_file:
            click.echo(text)
        sys.stdout.flush()
        while not stop.wait(0.2):
            pass
        click.echo("twin stopped", err=True)
