"""CLI commands that talk to AWS (or to the twin served by ``twin serve``): start, watch.

    profile-migrator start REQUEST.json --stack-name profile-migrator [--watch]
    profile-migrator watch EXECUTION_ARN

Credentials: a named profile (``--profile``), the default chain, or — against ``twin serve`` — the keys of
one account of the twin's ids file (``--ids FILE [--account ALIAS]``, which also gives the endpoint URL,
the region and the deployed state machine). Imported by ``main()``.
"""

from __future__ import annotations

import functools
import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar, cast

import click
from profile_migrator.aws.session import Account, error_code, operator_account

from .main import EXIT_FAILED, EXIT_INVALID, cli, file_option
from .progress import Outcome, Tracker, render

F = TypeVar("F", bound=Callable[..., Any])
EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class Where:
    """Where the CLI's AWS calls go and with which credentials: the connection options of every command."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    ids_file: str | None = None
    account: str | None = None


def _connection_options(f: F) -> F:
    """The connection options, handed to the command as one ``where: Where``."""

    @functools.wraps(f)
    def command(*args: Any, **kwargs: Any) -> Any:
        fields = ("profile", "region", "endpoint_url", "ids_file", "account")
        where = Where(**{k: kwargs.pop(k) for k in fields})
        return f(*args, where=where, **kwargs)

    for option in reversed(
        [
            click.option("--profile", default=None, help="Named AWS profile (~/.aws/config) to use."),
            click.option(
                "--region",
                default=None,
                help="AWS Region of the state machine (default: from the ARN, the ids file or the profile).",
            ),
            click.option(
                "--endpoint-url", default=None, help="Send every AWS call here (e.g. the local twin)."
            ),
            file_option(
                "--ids",
                "ids_file",
                "The ids file of `profile-migrator twin serve`: endpoint URL, region, state machine "
                "and each account's keys.",
            ),
            click.option(
                "--account",
                default=None,
                help="With --ids: the alias of the account whose keys sign the calls (default: the one "
                "the state machine is deployed in).",
            ),
        ]
    ):
        command = option(command)
    return cast(F, command)


@dataclass
class Connection:
    account: Account
    ids: dict[str, Any]


def _fail(message: str, code: int = EXIT_INVALID) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _arn_region(arn: str | None) -> str | None:
    parts = (arn or "").split(":")
    return parts[3] if len(parts) > 4 and parts[0] == "arn" and parts[3] else None


def connect(where: Where, *, arn: str | None = None, fallback_region: str | None = None) -> Connection:
    """An :class:`Account` for the person at the terminal; exits 2 on a usage mistake."""
    profile, region, endpoint_url = where.profile, where.region, where.endpoint_url
    ids_file, account = where.ids_file, where.account
    ids: dict[str, Any] = {}
    credentials: dict[str, str] | None = None
    if ids_file:
        if profile:
            _fail("--profile and --ids both give credentials: use one")
        try:
            ids = json.loads(Path(ids_file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            _fail(f"{ids_file}: not a twin ids file: {exc}")
        accounts: dict[str, Any] = ids.get("accounts", {})
        alias = (
            account or ids.get("central_account") or (next(iter(accounts)) if len(accounts) == 1 else None)
        )
        if alias is None:
            _fail(f"{ids_file}: several accounts ({', '.join(accounts)}): pick one with --account")
        if alias not in accounts:
            _fail(f"{ids_file}: no account {alias!r} (it has {', '.join(accounts) or 'none'})")
        keys = accounts[alias]
        credentials = {
            "aws_access_key_id": keys["access_key_id"],
            "aws_secret_access_key": keys["secret_access_key"],
        }
        if keys.get("session_token"):
            credentials["aws_session_token"] = keys["session_token"]
        endpoint_url = endpoint_url or ids.get("endpoint_url")
    elif account:
        _fail("--account picks keys from the twin's ids file: pass --ids FILE too")
    region = region or _arn_region(arn) or ids.get("region")
    try:
        try:
            acct = operator_account(
                region=region, profile=profile, endpoint_url=endpoint_url, credentials=credentials
            )
        except ValueError:  # no region anywhere: the request's own, if there is one
            if not fallback_region:
                raise
            acct = operator_account(
                region=fallback_region, profile=profile, endpoint_url=endpoint_url, credentials=credentials
            )
    except Exception as exc:  # no region, botocore's ProfileNotFound and the like
        _fail(str(exc))
    return Connection(acct, ids)


# -- start ---------------------------------------------------------------------------------------------


def _read_request(path: str) -> dict[str, Any]:
    from profile_migrator.preflight import InvalidInput, parse_input

    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        _fail(f"{path}: {exc.strerror}")
    except json.JSONDecodeError as exc:
        _fail(f"{path}: not JSON: line {exc.lineno} column {exc.colno}: {exc.msg}")
    try:
        parse_input(doc)  # the very check Preflight makes: refuse here, before anything starts
    except InvalidInput as exc:
        _fail(f"{path}: {exc}")
    return doc  # type: ignore[no-any-return]


def _state_machine_arn(conn: Connection, arn: str | None, stack: str | None) -> str:
    if arn:
        return arn
    if stack:
        try:
            stacks = conn.account.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
        except Exception as exc:
            _fail(f"stack {stack}: {exc}", EXIT_FAILED)
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
        if "StateMachineArn" not in outputs:
            _fail(f"stack {stack} has no output StateMachineArn (is it the profile-migrator stack?)")
        return str(outputs["StateMachineArn"])
    if conn.ids.get("state_machine_arn"):
        return str(conn.ids["state_machine_arn"])
    _fail(
        "which state machine? pass --state-machine-arn ARN or --stack-name NAME "
        "(or --ids of a `twin serve --deploy`)"
    )
    raise AssertionError  # unreachable: _fail exits


def default_name(request: dict[str, Any]) -> str:
    """``<profile>-<UTC time>``: execution names allow 80 characters of ``[A-Za-z0-9_-]``."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    profile = re.sub(r"[^A-Za-z0-9_-]+", "-", str(request.get("profile", "migration")))[:50]
    return f"{profile}-{stamp}"


@cli.command("start")
@click.argument("request", type=click.Path(dir_okay=False))
@click.option("--state-machine-arn", default=None, help="The migration state machine.")
@click.option("--stack-name", default=None, help="The central stack: its StateMachineArn output.")
@click.option("--name", default=None, help="Execution name (default: <profile>-<UTC time>).")
@click.option("--watch", "then_watch", is_flag=True, help="Then follow the execution like `watch`.")
@click.option("--plain", is_flag=True, help="With --watch: log lines instead of the live display.")
@_connection_options
def start_cmd(
    request: str,
    state_machine_arn: str | None,
    stack_name: str | None,
    name: str | None,
    then_watch: bool,
    plain: bool,
    where: Where,
) -> None:
    """Check REQUEST.json (the execution input) and start a migration; prints the execution ARN."""
    if state_machine_arn and stack_name:
        _fail("--state-machine-arn and --stack-name both name the state machine: use one")
    doc = _read_request(request)
    conn = connect(
        where,
        arn=state_machine_arn,
        fallback_region=str(doc.get("region", "us-east-1")),
    )
    sm = _state_machine_arn(conn, state_machine_arn, stack_name)
    sfn = conn.account.client("stepfunctions")
    try:
        arn = sfn.start_execution(stateMachineArn=sm, name=name or default_name(doc), input=json.dumps(doc))[
            "executionArn"
        ]
    except Exception as exc:
        code = error_code(exc)
        hint = {
            "ExecutionAlreadyExists": " (names are unique for 90 days: pick another --name)",
            "StateMachineDoesNotExist": " (check the ARN, the region and the account)",
        }.get(code, "")
        _fail(f"StartExecution: {exc}{hint}", EXIT_FAILED)
    click.echo(arn)
    if then_watch:
        sys.exit(follow(conn.account, str(arn), plain=plain))


# -- watch ---------------------------------------------------------------------------------------------


def new_events(sfn: Any, arn: str, after_id: int) -> list[dict[str, Any]]:
    """History events with an id above ``after_id``, oldest first: pages newest-first until a known one."""
    out: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"executionArn": arn, "reverseOrder": True, "maxResults": 500}
        if token:
            kwargs["nextToken"] = token
        page = sfn.get_execution_history(**kwargs)
        events = page.get("events", [])
        fresh = [e for e in events if int(e["id"]) > after_id]
        out.extend(fresh)
        token = page.get("nextToken")
        if not token or len(fresh) < len(events):
            break
    return sorted(out, key=lambda e: int(e["id"]))


def child_executions(sfn: Any, arn: str) -> list[str]:
    """The child executions of ``arn``'s Distributed Maps, and theirs (SF-5: lanes and waves are children)."""
    from botocore.exceptions import ClientError

    out: list[str] = []
    todo = [arn]
    while todo:
        parent = todo.pop()
        try:
            runs = sfn.list_map_runs(executionArn=parent).get("mapRuns", [])
        except ClientError:
            continue
        for run in runs:
            token: str | None = None
            while True:
                kwargs: dict[str, Any] = {"mapRunArn": run["mapRunArn"]}
                if token:
                    kwargs["nextToken"] = token
                page = sfn.list_executions(**kwargs)
                for ex in page.get("executions", []):
                    out.append(ex["executionArn"])
                    todo.append(ex["executionArn"])
                token = page.get("nextToken")
                if not token:
                    break
    return out


def _feed_children(sfn: Any, arn: str, tracker: Tracker) -> None:
    for child in child_executions(sfn, arn):
        tracker.feed(new_events(sfn, child, tracker.child_event_ids.get(child, 0)), source=child)


def follow(
    acct: Account,
    arn: str,
    *,
    interval: float = 2.0,
    plain: bool = False,
    out: Callable[[str], None] | None = None,
) -> int:
    """Follow ``arn`` until it ends; returns the exit status (0 succeeded, 1 rolled back/failed, 3 refused)."""
    from rich.console import Console
    from rich.live import Live

    sfn = acct.client("stepfunctions")
    tracker = Tracker(arn)
    console = Console(stderr=False)
    live_mode = not plain and console.is_terminal
    say = out or (lambda line: click.echo(line))
    t0 = time.monotonic()
    outcome: Outcome | None = None
    live = (
        Live(render(tracker, 0), console=console, refresh_per_second=4, transient=False)
        if live_mode
        else None
    )
    try:
        if live is not None:
            live.start()
        else:
            say(f"watching {arn}")
        while True:
            desc = sfn.describe_execution(executionArn=arn)
            tracker.feed(new_events(sfn, arn, tracker.last_event_id))
            _feed_children(sfn, arn, tracker)  # the lanes' and waves' steps, polls and gates
            if desc["status"] != "RUNNING":
                outcome = tracker.finish(desc)
            if live is not None:
                live.update(render(tracker, time.monotonic() - t0, outcome))
                tracker.drain_lines()
            else:
                for line in tracker.drain_lines():
                    say(line)
            if outcome is not None:
                break
            time.sleep(interval)
    except KeyboardInterrupt:
        click.echo(f"stopped watching; the execution goes on: {arn}", err=True)
        return EXIT_INTERRUPTED
    finally:
        if live is not None:
            live.stop()
    assert outcome is not None
    if live is None:
        say(f"{outcome.label} after {time.monotonic() - t0:,.0f} s")
        for line in outcome.detail:
            say(f"  {line}")
    return outcome.exit_code


@cli.command("watch")
@click.argument("execution_arn")
@click.option("--interval", type=float, default=2.0, show_default=True, help="Seconds between two looks.")
@click.option(
    "--plain", is_flag=True, help="Log lines instead of the live display (default when not a terminal)."
)
@_connection_options
def watch_cmd(
    execution_arn: str,
    interval: float,
    plain: bool,
    where: Where,
) -> None:
    """Follow a migration execution until it ends: the step in progress, AWS polls, probe gates, outcome.

    Exit status: 0 SUCCEEDED; 1 ROLLED_BACK or FAILED; 3 REFUSED (preflight found problems: nothing changed).
    """
    if not execution_arn.startswith("arn:") or ":execution:" not in execution_arn:
        _fail(
            f"{execution_arn!r} is not an execution ARN (arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME)"
        )
    conn = connect(where, arn=execution_arn)
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        code = follow(conn.account, execution_arn, interval=interval, plain=plain)
    except (BotoCoreError, ClientError) as exc:
        _fail(f"{execution_arn}: {exc}", EXIT_FAILED)
    sys.exit(code)
