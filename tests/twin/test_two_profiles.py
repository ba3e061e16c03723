"""Two Profiles on one VPC in the whole twin (RES-1, RES-12, CP-6, AS-6): the estate of
``estates/two-profiles.yaml`` built through boto3, queried with real DNS packets (dnspython) at the per-VPC
resolvers, changed through a plain boto3 client acting as the scenario's account, and read back through
``profile_migrator.discovery``.

Resolvers bind 127.0.5.x on a free port, so these tests clash neither with a twin serving on :53 nor with
the other twin tests' loopback ranges. The clock runs at ``time_scale: 0.01``; AS-6 checks are made far
(≥ 1000 simulated s) from the UPDATING -> COMPLETE boundary.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dns.resolver
import pytest
import yaml
from profile_migrator.aws.session import shared_session
from profile_migrator.estate import Scenario, parse_scenario

from twin.clock import get_clock
from twin.core import Twin
from twin.sampler import Sampler

pytestmark = pytest.mark.twin

ESTATE = Path(__file__).parent / "estates" / "two-profiles.yaml"
FIRST_ADDRESS = "127.0.5.1"
REGION = "us-east-1"
API = "api.svc.example.com"  # RES-12: the readings differ (parent zone in baseline, child zone in central)
DB = "db.corp.example.org"  # RES-12: same-name zones in both Profiles, priority breaks the tie
BASELINE_API, CENTRAL_API = "10.100.0.1", "10.200.0.1"
BASELINE_DB, CENTRAL_DB = "10.100.0.2", "10.200.0.2"
UPDATING_FOR = 1500.0  # durations.profile_association of the estate


def estate(precedence: str = "priority-first") -> Scenario:
    doc = yaml.safe_load(ESTATE.read_text())
    doc["twin"]["profile_precedence"] = precedence
    return parse_scenario(doc, str(ESTATE))


@pytest.fixture
def running(request: pytest.FixtureRequest) -> Iterator[Twin]:
    """The estate under ``request.param``'s reading of RES-12 (default priority-first)."""
    precedence = str(getattr(request, "param", "priority-first"))
    with Twin(estate(precedence), first_address=FIRST_ADDRESS, resolver_port=0) as tw:
        tw.arm_faults()
        yield tw


def ask(tw: Twin, vpc: str, name: str) -> set[str]:
    """``name`` (A) at ``vpc``'s resolver, as an instance in that VPC would ask it."""
    ip, port = tw.fleet.address_of(vpc)
    res = dns.resolver.Resolver(configure=False)
    res.port = port  # before nameservers: dnspython binds the port when nameservers are set
    res.nameservers = [ip]
    res.timeout = res.lifetime = 2.0
    return {r.address for r in res.resolve(name, "A", search=False)}


def profiles_client(tw: Twin, account: str = "network") -> Any:
    key, secret, token = tw.accounts()[account].access_key()
    return shared_session().client(
        "route53profiles",
        region_name=REGION,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
    )


def association(tw: Twin, profile: str, vpc: str) -> dict[str, Any]:
    assert tw.built is not None
    found = profiles_client(tw).list_profile_associations(ResourceId=tw.built.vpcs[vpc])[
        "ProfileAssociations"
    ]
    (assoc,) = [a for a in found if a["ProfileId"] == tw.built.profiles[profile]]
    return dict(assoc)


def advance(tw: Twin, seconds: float) -> None:
    get_clock().advance(seconds)
    assert tw.dns is not None
    tw.dns.invalidate()


def test_res12_priority_first_over_dns(running: Twin) -> None:
    tw = running
    # RES-12 priority-first: baseline (100) carries example.com, which matches, so central is not asked.
    assert ask(tw, "dev", API) == {BASELINE_API}
    assert ask(tw, "dev", DB) == {BASELINE_DB}
    # prod has baseline only; hold-b sees central's child zone directly (RES-1), in no Profile.
    assert ask(tw, "prod", API) == {BASELINE_API}
    assert ask(tw, "hold-b", API) == {CENTRAL_API}
    # The Priority of each association as the API reports it (RES-12, CP-6).
    assert association(tw, "baseline", "dev")["Priority"] == 100
    assert association(tw, "central", "dev")["Priority"] == 200
    assert association(tw, "baseline", "prod")["Priority"] == 100


@pytest.mark.parametrize("running", ["specificity-first"], indirect=True)
def test_res12_specificity_first_over_dns(running: Twin) -> None:
    tw = running
    # RES-12 specificity-first: RES-2 across both Profiles, central's svc.example.com is more specific ...
    assert ask(tw, "dev", API) == {CENTRAL_API}
    # ... and priority only breaks the same-name tie.
    assert ask(tw, "dev", DB) == {BASELINE_DB}
    assert ask(tw, "prod", API) == {BASELINE_API}


def test_discovery_reads_priorities_back(running: Twin) -> None:
    tw = running
    found = tw.discover().scenario
    for name, prof in estate().profiles.items():
        assert found.profiles[name].priorities == prof.priorities, name
    # A VPC with two Profiles lists its priority in both; a lone default association stays a plain name.
    assert {"vpc": "dev", "priority": 100} in [
        v if isinstance(v, str) else v.model_dump() for v in found.profiles["baseline"].vpcs
    ]
    assert "prod" in found.profiles["baseline"].vpcs
    assert found.profiles_of_vpc("dev") == {"baseline": 100, "central": 200}


def test_as6_updating_mixes_old_and_new_order(running: Twin) -> None:
    tw = running
    rp = profiles_client(tw)
    baseline = association(tw, "baseline", "dev")
    # CP-6: central holds 200, so the two cannot swap in one call; 300 puts baseline after central.
    with pytest.raises(rp.exceptions.ValidationException):
        rp.update_profile_association(ProfileAssociationId=baseline["Id"], Priority=200)
    updated = rp.update_profile_association(ProfileAssociationId=baseline["Id"], Priority=300)
    assert (updated["ProfileAssociation"]["Status"], updated["ProfileAssociation"]["Priority"]) == (
        "UPDATING",
        300,
    )
    # AS-6: while UPDATING some queries use the old order (baseline first), some the new (central first).
    assert tw.dns is not None
    tw.dns.invalidate()
    answers = [ask(tw, "dev", DB) for _ in range(8)]
    assert {BASELINE_DB} in answers and {CENTRAL_DB} in answers, answers
    assert ask(tw, "prod", DB) == {BASELINE_DB}  # prod's one association did not change
    # The rehearsal's sampler (over real DNS, once per simulated second) sees both orders too.
    assert tw.dns is not None
    with Sampler.over_dns([("dev", DB)], tw.fleet, tw.dns.private_ips) as sampler:
        assert sampler.wait_for_ticks(6)
    assert {s.via for s in sampler.timeline()} == {"profile-zone:base-corp", "profile-zone:central-corp"}
    # COMPLETE after durations.profile_association: the new order for every query.
    advance(tw, UPDATING_FOR)
    assert association(tw, "baseline", "dev")["Status"] == "COMPLETE"
    assert [ask(tw, "dev", DB) for _ in range(6)] == [{CENTRAL_DB}] * 6
    assert ask(tw, "dev", API) == {CENTRAL_API}  # priority-first: central now answers first
