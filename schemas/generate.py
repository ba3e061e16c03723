"""Generate ``schemas/migration-input.schema.json``: the JSON Schema (draft 2020-12) of the migration
execution input, what a person pastes in the Step Functions console or passes to ``profile-migrator start``.

The structure, types, bounds and defaults come from :class:`profile_migrator.request.MigrationInput`
(``model_json_schema()``); this file adds what the model cannot say in a schema: titles, descriptions
and examples a network engineer reads in an editor, and the patterns the model checks in Python
validators (account id, role ARN, region, no endpoint twice). Run ``python schemas/generate.py`` after
a change to the model; ``tests/unit/test_console_input.py`` fails when the committed file is stale, when a
field has no description here, or when the schema and the model disagree on an example.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "layers" / "common"))

from profile_migrator import arns, request  # noqa: E402

OUT = Path(__file__).resolve().parent / "migration-input.schema.json"

#: What ``MigrationInput._region`` accepts (``re.fullmatch``), as a schema pattern.
REGION_PATTERN = "^" + arns.REGION_PATTERN + "$"
ACCOUNT_ID_PATTERN = r"^\d{12}$"

# JSON pointer (inside the generated schema) -> keywords to add there.
DOCS: dict[str, dict[str, Any]] = {
    "": {
        "title": "profile-migrator migration request",
        "description": (
            "Moves the DNS of interface VPC endpoints from self-managed private hosted zones to a Route 53 "
            "Profile, step by step, with DNS probes inside the VPCs proving at every step that each VPC "
            "still resolves the endpoint privately. Preflight refuses (error Refused, nothing changed) what it "
            "cannot prove safe. Paste this as the execution input of the profile-migrator state machine."
        ),
    },
    "/properties/profile": {
        "title": "Route 53 Profile",
        "description": (
            "The Route 53 Profile that will serve the endpoints' DNS: its id (rp-...) or its Name tag. It "
            "must exist in one of the accounts below; VPCs of other accounts need it shared through AWS RAM."
        ),
        "examples": ["central", "rp-0123456789abcdef"],
    },
    "/properties/endpoints": {
        "title": "Interface VPC endpoints",
        "description": (
            "The interface endpoints whose DNS moves to the Profile: each one's id (vpce-...) or Name tag, "
            "each once (at most 250). A private hosted zone that serves one of them may hold only the alias "
            "record to the endpoint (besides SOA and NS): anything else in it makes preflight refuse "
            "(FOREIGN_RECORDS)."
        ),
        "examples": [["lambda"], ["vpce-0123456789abcdef0", "logs", "ssm"]],
    },
    "/properties/approvals": {
        "title": "Approvals",
        "description": (
            "Who says go before a step. none: the migration runs unattended, gated by the DNS probes. "
            "destructive: a person approves each step that removes something (a VPC's association with a "
            "zone, a zone's association with the Profile, a record, a zone, the parking VPC). every-step: a person approves every step. An approval "
            "that is rejected or not answered in approval_timeout_seconds rolls everything back."
        ),
        "examples": ["none", "destructive"],
    },
    "/properties/parking_vpc": {
        "title": "Parking VPC",
        "description": (
            "Where an old private hosted zone waits after its last workload VPC leaves it and before it is "
            "deleted, so no VPC ever loses the name (the published procedure's step-7 window). auto: an "
            "empty VPC the tool creates and deletes (tagged profile-migrator:parking); a VPC's Name tag or "
            "id: park on that VPC (it must not be a workload VPC); none: no parking."
        ),
        "examples": ["auto", "none"],
    },
    "/properties/region": {
        "title": "AWS Region",
        "description": "The Region of the endpoints, VPCs, zones' VPC associations and the Profile.",
        "pattern": REGION_PATTERN,
        "examples": ["us-east-1", "eu-west-1"],
    },
    "/properties/accounts": {
        "title": "Accounts",
        "description": (
            "Every AWS account that owns a VPC, endpoint, hosted zone or the Profile involved, under a "
            "short alias you choose (the alias appears in the plan and the progress display)."
        ),
        "examples": [
            {
                "network": {
                    "id": "111111111111",
                    "role_arn": "arn:aws:iam::111111111111:role/profile-migrator-member",
                }
            }
        ],
    },
    "/properties/gate": {
        "title": "DNS probe gate",
        "description": (
            "After each wave of steps, a probe Lambda inside each affected VPC resolves the endpoint names "
            "through the VPC resolver; the next wave starts only once every watched name answered with the "
            "endpoint's private IPs this many times in a row. A gate that does not pass in time rolls back."
        ),
    },
    "/properties/concurrency": {
        "title": "Concurrency",
        "description": (
            "Endpoints that share no hosted zone and no DNS name migrate side by side, each in its own proven "
            "order; this bounds how many at once (also bounded by the Route 53 API budget, RL-1)."
        ),
    },
    "/$defs/ConcurrencyConfig": {
        "title": "Concurrency",
        "description": "How many independent endpoints migrate at the same time.",
    },
    "/$defs/ConcurrencyConfig/properties/endpoints": {
        "title": "Endpoints at once",
        "description": "At most this many independent endpoints (lanes) migrate at the same time (1-40).",
    },
    "/properties/poll": {
        "title": "Polling of AWS changes",
        "description": (
            "After each change, the step waits for AWS to finish it (Route 53 change INSYNC, Profile "
            "association COMPLETE, endpoint Available): first poll at the change's expected duration "
            "(expected_seconds), then every initial_seconds, the interval growing up to max_seconds for a "
            "change that overruns; a change still pending after timeout_seconds fails the step (rollback)."
        ),
    },
    "/properties/approval_timeout_seconds": {
        "title": "Approval timeout (seconds)",
        "description": "How long an approval request waits for an answer; no answer counts as a rejection.",
        "examples": [3600],
    },
    "/$defs/AccountRef": {
        "title": "Account",
        "description": "One AWS account of the migration.",
    },
    "/$defs/AccountRef/properties/id": {
        "title": "Account id",
        "description": "The 12-digit AWS account id, as a string (quotes keep leading zeros).",
        "pattern": ACCOUNT_ID_PATTERN,
        "examples": ["111111111111"],
    },
    "/$defs/AccountRef/properties/role_arn": {
        "title": "Member role ARN",
        "description": (
            "The IAM role the state machine's functions assume in this account (deployed there by "
            "member.yaml). Omit it for the account the state machine itself runs in. It must be a role of "
            "this very account (its id), in the partition of the input's region, named as the stack's "
            "MemberRoleName: preflight refuses anything else before any AWS call."
        ),
        "examples": ["arn:aws:iam::222222222222:role/profile-migrator-member"],
    },
    "/$defs/AccountRef/properties/role_arn/anyOf/0": {
        "pattern": arns._ROLE_ARN.pattern,
    },
    "/$defs/GateConfig": {
        "title": "DNS probe gate",
        "description": "When a wave counts as proven by the probes in its VPCs.",
    },
    "/$defs/GateConfig/properties/consecutive": {
        "title": "Consecutive private answers",
        "description": "Private answers in a row each watched (VPC, name) needs before the gate passes.",
    },
    "/$defs/GateConfig/properties/interval_seconds": {
        "title": "Seconds between probe checks",
        "description": "Seconds between two probe rounds (a whole number).",
    },
    "/$defs/GateConfig/properties/timeout_seconds": {
        "title": "Gate timeout (seconds)",
        "description": "A gate that has not passed after this long fails: the migration rolls back.",
    },
    "/$defs/GateConfig/properties/proof_timeout_seconds": {
        "title": "Rollback proof timeout (seconds)",
        "description": (
            "After a rollback, how long the final gate may take to prove every VPC resolves as at the start "
            "(long enough to outlast what caused the rollback, e.g. a resolver outage)."
        ),
    },
    "/$defs/GateConfig/properties/concurrency": {
        "title": "Probes invoked at once",
        "description": (
            "How many VPCs' probes one check invokes concurrently (each probe resolves in its own VPC); "
            "a probe that errors or cannot be invoked fails that VPC's check."
        ),
    },
    "/$defs/GateConfig/properties/settled_answers": {
        "title": "Answers after the wave settled",
        "description": (
            "How many of the consecutive private answers the gate takes itself once every change of the wave "
            "has settled (at least one); the others may be the answers the steps' functions got from the same "
            "probes in the last intervals before their changes settled. Equal to 'consecutive': only answers "
            "after the change count."
        ),
    },
    "/$defs/PollConfig": {
        "title": "Polling of AWS changes",
        "description": "How a step waits for its AWS change to settle.",
    },
    "/$defs/PollConfig/properties/initial_seconds": {
        "title": "Short poll interval (seconds)",
        "description": "Seconds between status checks once a change is past its expected duration, or from "
        "the start when none is expected (a whole number).",
    },
    "/$defs/PollConfig/properties/max_seconds": {
        "title": "Longest poll interval (seconds)",
        "description": "A change pending past twice its expected duration is checked less and less often, "
        "up to this interval (a whole number).",
    },
    "/$defs/PollConfig/properties/expected_seconds": {
        "title": "Expected durations (seconds)",
        "description": "How long each kind of change usually takes in your accounts: change (Route 53), "
        "endpoint, profile-association, resource-association. The first status check is made then; "
        "AWS does not document these durations, so measure them (a past run's report shows them).",
    },
    "/$defs/PollConfig/properties/timeout_seconds": {
        "title": "Change timeout (seconds)",
        "description": "A change still pending after this long fails its step: the migration rolls back.",
    },
}

#: Other keywords the model enforces in Python validators.
EXTRA: dict[str, dict[str, Any]] = {
    "/properties/endpoints": {"uniqueItems": True},
}


def _at(doc: dict[str, Any], pointer: str) -> dict[str, Any]:
    node: Any = doc
    for part in [p for p in pointer.split("/") if p]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if not isinstance(node, dict):
        raise KeyError(pointer)
    return node


def property_pointers(schema: dict[str, Any]) -> list[str]:
    """Every object and property of the schema (root, ``$defs`` and their properties) as JSON pointers."""
    out = [""] + [f"/properties/{p}" for p in schema.get("properties", {})]
    for name, sub in schema.get("$defs", {}).items():
        out.append(f"/$defs/{name}")
        out.extend(f"/$defs/{name}/properties/{p}" for p in sub.get("properties", {}))
    return out


def schema() -> dict[str, Any]:
    doc = copy.deepcopy(request.MigrationInput.model_json_schema())
    for pointer, keywords in [*DOCS.items(), *EXTRA.items()]:
        _at(doc, pointer).update(keywords)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **doc}


def text() -> str:
    return json.dumps(schema(), indent=2) + "\n"


def main() -> None:
    OUT.write_text(text(), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
