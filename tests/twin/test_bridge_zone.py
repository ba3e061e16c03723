"""The bridge copy of a zone in the twin (Q-1): created on its parking VPC with the tool's tags, found by
its Name tag, given only the endpoint alias, and deleted only when it is the tool's and holds no workload
VPC (nothing is lost)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from performing import FAST, settle
from profile_migrator import actions
from profile_migrator.aws import route53
from profile_migrator.estate import parse_scenario
from profile_migrator.tags import BRIDGE_TAG

from twin.core import Twin

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "path2-bridge-copies.yaml"
COPY = "lambda-zone-bridge-1"
PARKING = f"parking-{COPY}"


def _do(ctx: actions.Context, action: str, **step: Any) -> dict[str, Any]:
    saved: dict[str, Any] = {}
    full = {"action": action, "endpoint": "lambda", "account": "network", **step}
    settle(ctx, actions.perform(ctx, full, saved))
    return saved


@pytest.fixture
def twin() -> Iterator[Twin]:
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["twin"] = {**doc.get("twin", {}), **FAST}
    tw = Twin(parse_scenario(doc, "bridge-zone")).start()
    try:
        yield tw
    finally:
        tw.stop()


def test_a_copy_is_created_on_its_parking_vpc_tagged_and_given_the_alias(twin: Twin) -> None:
    ctx = twin.context()
    _do(ctx, "create-parking-vpc", vpc=PARKING, zone=COPY)
    saved = _do(ctx, "create-bridge-zone", zone=COPY, vpc=PARKING, copy_of="lambda-zone")
    again = _do(ctx, "create-bridge-zone", zone=COPY, vpc=PARKING, copy_of="lambda-zone")  # SF-2: redriven
    assert saved["zone_id"] == again["zone_id"]
    acct = ctx.account("network")
    zone = route53.get_zone(acct, saved["zone_id"])
    assert zone.name == "lambda.us-east-1.amazonaws.com"
    assert zone.tags == {"Name": COPY, BRIDGE_TAG: ctx.zones["lambda-zone"]}
    assert [v for v, _ in zone.vpcs] == [ctx.id_of("vpcs", PARKING)]  # CP-2: its own parking VPC only
    _do(ctx, "create-zone-record", zone=COPY, record="lambda.us-east-1.amazonaws.com", copy_of="lambda-zone")
    fresh = actions.Context(
        region=ctx.region,
        accounts=ctx.accounts,
        endpoints=ctx.endpoints,
        endpoint_accounts=ctx.endpoint_accounts,
    )
    assert fresh.id_of("zones", COPY) == saved["zone_id"]  # a later step finds it by its Name tag
    recs = [r for r in route53.list_records(acct, saved["zone_id"]) if r.type == "A"]
    original = [r for r in route53.list_records(acct, ctx.zones["lambda-zone"]) if r.type == "A"]
    assert [(r.name, r.alias_target) for r in recs] == [(r.name, r.alias_target) for r in original]
    # Not while a workload VPC still holds it; then the alias, then the zone.
    _do(ctx, "associate-vpc-with-zone", zone=COPY, vpc="dev")
    with pytest.raises(actions.UnsafeToDelete, match="still associated"):
        _do(ctx, "delete-bridge-zone", zone=COPY, vpc=PARKING)
    _do(ctx, "disassociate-vpc-from-zone", zone=COPY, vpc="dev")
    _do(ctx, "delete-bridge-zone", zone=COPY, vpc=PARKING)
    assert route53.find_tagged_zone(acct, COPY, BRIDGE_TAG) is None
    _do(ctx, "delete-bridge-zone", zone=COPY, vpc=PARKING)  # gone already: done
    _do(ctx, "delete-parking-vpc", vpc=PARKING)


def test_delete_bridge_zone_refuses_a_zone_without_the_tools_tag(twin: Twin) -> None:
    ctx = twin.context()
    with pytest.raises(actions.UnsafeToDelete, match=BRIDGE_TAG):
        actions.perform(
            ctx,
            {
                "action": "delete-bridge-zone",
                "zone": "lambda-zone",
                "account": "network",
                "endpoint": "lambda",
            },
            {"zone_id": ctx.zones["lambda-zone"]},
        )
    assert route53.get_zone(ctx.account("network"), ctx.zones["lambda-zone"]).name  # still there
