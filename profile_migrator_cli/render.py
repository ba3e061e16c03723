"""Human-readable rendering of plans (rich tables)."""

from __future__ import annotations

from profile_migrator.estate import Scenario
from profile_migrator.planner import Plan
from rich.console import Console
from rich.table import Table

_STYLE = {
    "private": "green",
    "public": "yellow",
    "nxdomain": "bold red",
    "other": "magenta",
    "noanswer": "red",
}


def render_plan(scn: Scenario, result: Plan, console: Console | None = None) -> None:
    console = console or Console()
    console.print(
        f"[bold]Architecture:[/bold] {result.architecture}   [bold]procedure:[/bold] {result.procedure}"
    )
    for name, info in result.endpoints.items():
        console.print(
            f"  endpoint [cyan]{name}[/cyan] ({info['dns_name']}): {info['architecture']}, "
            f"zones {', '.join(info['zones']) or '-'}, VPCs {', '.join(info['vpcs'])}"
        )
    if result.problems:
        console.print("[bold red]REFUSED[/bold red] — the plan is not safe:")
        for p in result.problems:
            console.print(f"  [red]{p.code}[/red] {p.resource}: {p.message}")
    for w in result.warnings:
        console.print(f"  [yellow]warning {w.code}[/yellow] {w.resource}: {w.message}")
    if result.problems:
        return
    for vpc, prio in result.priorities.items():
        others = (
            ", ".join(
                f"{p} at {v}" for p, v in scn.profiles_of_vpc(vpc).items() if p != scn.migration.profile
            )
            if scn.migration
            else ""
        )
        console.print(
            f"  VPC [cyan]{vpc}[/cyan] keeps Profile {others}: joins at priority [bold]{prio}[/bold] (RES-12)"
        )
    by_step: dict[int, list[tuple[str, str, str]]] = {}
    for pred in result.predicted:
        by_step.setdefault(pred.after_step, []).append((pred.vpc, pred.answer, pred.via))
    start = Table(title="Resolution at the start", expand=False)
    start.add_column("VPC")
    start.add_column("answer")
    start.add_column("via")
    for vpc, ans, via in by_step.get(0, []):
        start.add_row(vpc, f"[{_STYLE.get(ans, 'white')}]{ans}[/]", via)
    console.print(start)
    table = Table(title="Steps — gate: VPCs whose probes must answer privately before the next step")
    table.add_column("#", justify="right")
    table.add_column("wave", justify="right")
    table.add_column("action")
    table.add_column("target")
    table.add_column("gate")
    table.add_column("predicted change")
    for i, step in enumerate(result.steps, start=1):
        target = " ".join(str(getattr(step, k)) for k in ("endpoint", "zone", "vpc") if getattr(step, k))
        if step.record:
            target += f" record {step.record}"
        if step.priority is not None:
            target += f" priority {step.priority}"
        changes = "; ".join(
            f"{vpc}: [{_STYLE.get(ans, 'white')}]{ans}[/] via {via}" for vpc, ans, via in by_step.get(i, [])
        )
        action = f"[red]{step.action}[/red]" if step.destructive else step.action
        table.add_row(
            str(i), str(step.wave), action, target, ", ".join(step.gate) or "-", changes or "[dim]none[/dim]"
        )
    console.print(table)
