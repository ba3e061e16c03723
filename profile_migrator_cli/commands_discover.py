"""``profile-migrator discover``: read a real estate (or the twin) into a scenario file that ``plan`` and
``rehearse`` accept, so an operator can rehearse their own estate offline before touching it.

    profile-migrator discover --ids IDS.json --profile central --endpoints lambda,logs -o scenario.yaml
    profile-migrator discover --accounts ACCOUNTS.yaml --region eu-west-1 --profile rp-0abc -o scenario.yaml

``--ids``: every account of a ``twin serve`` ids file, each signing with its own keys. ``--accounts``: a
YAML mapping ``alias: {id: "123456789012", role_arn: arn:aws:iam::123456789012:role/…}``; the default
credential chain (or ``--aws-profile``) assumes each role (an entry without ``role_arn`` is read with
those credentials themselves, which must belong to that account). Read-only: discovery only lists and
describes. Names come from ``Name`` tags, ids where there is none or it clashes (said on stderr).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any, NoReturn

import click
import yaml
from profile_migrator.aws.session import Account, assume_role, operator_account
from profile_migrator.estate import Scenario, ScenarioError, dump_scenario_yaml, parse_scenario
from profile_migrator.models import role_parts

from .main import EXIT_INVALID, cli, file_option


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_INVALID)


def _twin_accounts(ids_file: str) -> tuple[dict[str, Account], str]:
    try:
        ids = json.loads(Path(ids_file).read_text(encoding="utf-8"))
        region, url, keys = ids["region"], ids["endpoint_url"], ids["accounts"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        _fail(f"{ids_file}: not a twin ids file ({exc})")
    out: dict[str, Account] = {}
    for alias, k in keys.items():
        creds = {"aws_access_key_id": k["access_key_id"], "aws_secret_access_key": k["secret_access_key"]}
        if k.get("session_token"):
            creds["aws_session_token"] = k["session_token"]
        out[alias] = operator_account(region=region, endpoint_url=url, credentials=creds)
    return out, region


def read_accounts_file(path: str) -> dict[str, dict[str, str]]:
    """``alias: {id, role_arn?}``, checked: 12-digit ids, role ARNs in that same account (a role of
    another account would read the wrong estate)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        _fail(f"{path}: cannot read: {exc}")
    if not isinstance(data, dict) or not data:
        _fail(f"{path}: expected a mapping alias -> {{id, role_arn}}")
    out: dict[str, dict[str, str]] = {}
    for alias, entry in data.items():
        where = f"{path}: {alias}"
        if not isinstance(entry, dict) or set(entry) - {"id", "role_arn"}:
            _fail(
                f"{where}: expected {{id, role_arn}} (unknown keys: {sorted(set(entry) - {'id', 'role_arn'}) if isinstance(entry, dict) else entry!r})"
            )
        aid = str(entry.get("id", ""))
        if not re.fullmatch(r"\d{12}", aid):
            _fail(f"{where}.id: {aid!r} is not a 12-digit account id (quote it in YAML)")
        role = entry.get("role_arn")
        if role is not None:
            parts = role_parts(str(role))  # a real partition, a role name IAM accepts (models.py)
            if parts is None:
                _fail(f"{where}.role_arn: {role!r} is not an IAM role ARN")
            elif parts[1] != aid:
                _fail(f"{where}.role_arn: the role is in account {parts[1]}, not {aid}")
        out[str(alias)] = {"id": aid, **({"role_arn": str(role)} if role else {})}
    return out


def _aws_accounts(path: str, region: str | None, aws_profile: str | None) -> tuple[dict[str, Account], str]:
    entries = read_accounts_file(path)
    try:
        base = operator_account(region=region, profile=aws_profile)
    except Exception as exc:  # no region, an unknown profile
        _fail(str(exc))
    out: dict[str, Account] = {}
    for alias, e in entries.items():
        acct = assume_role(base, e["role_arn"], "profile-migrator-discover") if "role_arn" in e else base
        if acct.id() != e["id"]:
            _fail(f"{path}: {alias}: the credentials reach account {acct.id()}, not {e['id']}")
        out[alias] = acct
    return out, base.region


def _migration(
    scn: Scenario, ids: dict[str, dict[str, str]], profile: str | None, endpoints: list[str]
) -> dict[str, Any] | None:
    """The ``migration`` section: ``--profile``/``--endpoints`` by scenario name or AWS id."""
    if profile is None and not endpoints:
        return None
    if profile is None or not endpoints:
        _fail("--profile and --endpoints go together (the migration: which Profile, which endpoints)")

    def resolve(kind: str, value: str, names: dict[str, Any]) -> str:
        if value in names:
            return value
        by_id = {v: k for k, v in ids[kind].items()}
        if value in by_id:
            return by_id[value]
        _fail(
            f"no {kind[:-1]} {value!r} in the discovered estate (it has {', '.join(sorted(names)) or 'none'})"
        )

    return {
        "profile": resolve("profiles", profile, scn.profiles),
        "endpoints": [resolve("endpoints", e, scn.endpoints) for e in endpoints],
    }


@cli.command("discover")
@file_option(
    "--ids",
    "ids_file",
    "The ids file of `profile-migrator twin serve`: read the twin, every account with its keys.",
)
@file_option(
    "--accounts",
    "accounts_file",
    "YAML: alias -> {id, role_arn}: read these AWS accounts, each through its role.",
)
@click.option(
    "--region", default=None, help="With --accounts: the AWS Region to read (Profiles are regional)."
)
@click.option(
    "--aws-profile", default=None, help="With --accounts: named AWS profile that assumes the roles."
)
@click.option(
    "--profile",
    "target_profile",
    default=None,
    help="The Route 53 Profile to migrate to (scenario name or rp- id): writes `migration`.",
)
@click.option("--endpoints", default="", help="Comma-separated endpoints to migrate (names or vpce- ids).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the scenario here (default: stdout).",
)
def discover_cmd(
    ids_file: str | None,
    accounts_file: str | None,
    region: str | None,
    aws_profile: str | None,
    target_profile: str | None,
    endpoints: str,
    output: str | None,
) -> None:
    """Read an estate into a scenario file that `plan` and `rehearse` accept. Changes nothing."""
    from profile_migrator.discovery import discover

    if (ids_file is None) == (accounts_file is None):
        _fail("give exactly one of --ids (the twin) or --accounts (AWS)")
    if ids_file is not None and (region or aws_profile):
        _fail("--region and --aws-profile are for --accounts; the ids file names the twin's region")
    if ids_file is not None:
        accounts, reg = _twin_accounts(ids_file)
    else:
        assert accounts_file is not None
        accounts, reg = _aws_accounts(accounts_file, region, aws_profile)
    found = discover(accounts, reg)
    ids = {"profiles": found.profile_ids, "endpoints": found.endpoint_ids}
    doc = yaml.safe_load(dump_scenario_yaml(found.scenario))
    migration = _migration(
        found.scenario, ids, target_profile, [e for e in endpoints.split(",") if e.strip()]
    )
    if migration is not None:
        doc["migration"] = migration
    try:
        scn = parse_scenario(doc, "<discovered estate>")
    except ScenarioError as exc:  # e.g. an estate AWS itself would not allow: say so, write nothing
        _fail(str(exc))
    text = "# Discovered by `profile-migrator discover` — read-only; rehearse it: profile-migrator rehearse FILE\n"
    text += dump_scenario_yaml(scn)
    for why in found.named_by_id:
        click.echo(f"note: named by id: {why}", err=True)
    for why in found.skipped:
        click.echo(f"note: not represented: {why}", err=True)
    if output is None:
        sys.stdout.write(text)
    else:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(
            f"wrote {output}: {len(scn.vpcs)} VPCs, {len(scn.endpoints)} endpoints, "
            f"{len(scn.hosted_zones)} zones, {len(scn.profiles)} Profiles",
            err=True,
        )
