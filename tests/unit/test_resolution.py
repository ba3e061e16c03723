"""The resolution model, one test per rule of aws-dns-semantics.md (RES-*), plus property tests.

Sources for RES-2/RES-3 (Route 53 Profiles guide, "How Route 53 Profile settings are prioritized",
https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/profiles.html#profiles-priority — its precedence
table; "When DNS query is made for a conflicting domain name, the most specific one wins"; and the Resolver
rule-matching page, https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-overview-forward-vpc-to-network-domain-name-matches.html:
"If the domain name in a query matches the domain name in more than one rule (such as example.com and
www.example.com), Resolver routes ... using the rule that contains the most specific domain name").
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from profile_migrator.resolution import (
    DEFAULT_SOA_NEGATIVE_TTL,
    PRECEDENCES,
    Answer,
    DnsState,
    NegativeCache,
    ZoneSource,
)

from .helpers import LAMBDA, path1, path2, scenario


def _zone(state: DnsState, key_name: str, name: str, records: dict[str, Any] | None = None) -> str:
    """Add self-managed zone ``key_name`` named ``name``; records map name -> endpoint (str) or IPs (tuple)."""
    key = f"zone:{key_name}"
    src = ZoneSource(key, name)
    for rname, target in (records or {}).items():
        src.records[rname] = ("values", target) if isinstance(target, tuple) else ("endpoint", target)
    state.zones[key] = src
    return key


def _state(*vpcs: str) -> DnsState:
    st_ = DnsState()
    for v in vpcs:
        st_.add_vpc(v)
    return st_


# -- RES-1 ----------------------------------------------------------------------------------------------


def test_res1_vpc_sees_direct_zones_plus_what_its_profiles_carry() -> None:
    s = _state("in-profile", "direct-only", "outsider", "other-profile", "both")
    _zone(s, "direct", "a.example.com", {"a.example.com": "ep-a"})
    _zone(s, "carried", "b.example.com", {"b.example.com": "ep-b"})
    _zone(s, "elsewhere", "c.example.com", {"c.example.com": "ep-c"})
    s.associate_zone_vpc("direct", "in-profile")
    s.associate_zone_vpc("direct", "direct-only")
    s.attach_to_profile("central", "zone:carried")
    s.attach_to_profile("legacy", "zone:elsewhere")
    s.associate_vpc_profile("in-profile", "central")
    s.associate_vpc_profile("other-profile", "legacy")
    s.associate_vpc_profile("both", "legacy", 100)
    s.associate_vpc_profile("both", "central", 200)

    assert s.resolve("in-profile", "a.example.com") == Answer("private", "zone:direct", "ep-a")
    assert s.resolve("in-profile", "b.example.com") == Answer("private", "profile-zone:carried", "ep-b")
    assert s.resolve("direct-only", "a.example.com").endpoint == "ep-a"
    assert s.resolve("direct-only", "b.example.com").kind == "public"  # not in the Profile
    assert s.resolve("outsider", "a.example.com").kind == "public"  # sees nothing
    assert s.resolve("other-profile", "b.example.com").kind == "public"  # legacy does not carry b
    assert s.resolve("other-profile", "c.example.com").endpoint == "ep-c"
    # RES-1 (revised): a VPC with two Profiles sees what each carries, under either reading of RES-12.
    for prec in PRECEDENCES:
        assert s.resolve("both", "b.example.com", precedence=prec).endpoint == "ep-b"
        assert s.resolve("both", "c.example.com", precedence=prec).endpoint == "ep-c"
    assert s.vpc_profiles("both") == ["legacy", "central"]
    assert s.members("central") == {"in-profile", "both"}
    s.disassociate_vpc_profile("both", "legacy")
    assert s.resolve("both", "c.example.com").kind == "public"
    assert s.resolve("both", "b.example.com").endpoint == "ep-b"


def test_res1_from_scenario_reads_direct_and_profile_associations() -> None:
    s = DnsState.from_scenario(scenario(path2()))
    assert s.resolve("shared-services", LAMBDA).via == "zone:lambda-zone"
    assert s.resolve("dev", LAMBDA).via == "profile-zone:lambda-zone"
    assert s.profiles_of == {
        "shared-services": {"central": 100},
        "dev": {"central": 100},
        "prod": {"central": 100},
    }


def test_res1_res12_from_scenario_reads_priorities_and_precedence() -> None:
    doc = path2()
    doc["profiles"]["baseline"] = {"account": "network", "vpcs": [{"vpc": "dev", "priority": 50 + 250}]}
    doc["profiles"]["central"]["vpcs"] = ["shared-services", {"vpc": "dev", "priority": 200}, "prod"]
    doc["twin"] = {"profile_precedence": "specificity-first"}
    s = DnsState.from_scenario(scenario(doc))
    assert s.profiles_of["dev"] == {"central": 200, "baseline": 300}
    assert s.vpc_profiles("dev") == ["central", "baseline"]
    assert s.precedence == "specificity-first"


# -- RES-12 ---------------------------------------------------------------------------------------------


def _two_profiles(parent_first: bool) -> DnsState:
    """dev has Profile "baseline" carrying the parent zone amazonaws.com (no lambda record) and Profile
    "central" carrying the lambda endpoint; ``parent_first``: baseline has the lower priority."""
    s = _state("dev")
    _zone(s, "parent", "amazonaws.com", {"other.amazonaws.com": ("10.9.9.9",)})
    s.add_endpoint("lambda", LAMBDA)
    s.attach_to_profile("baseline", "zone:parent")
    s.attach_to_profile("central", "endpoint:lambda")
    s.associate_vpc_profile("dev", "baseline", 100 if parent_first else 300)
    s.associate_vpc_profile("dev", "central", 200)
    return s


def test_res12_priority_first_the_first_profile_with_a_match_answers() -> None:
    s = _two_profiles(parent_first=True)
    # baseline (100) carries a zone matching the query (a parent): it alone answers — NXDOMAIN (RES-4).
    assert s.resolve("dev", LAMBDA, precedence="priority-first") == Answer("nxdomain", "profile-zone:parent")
    # The other Profile is asked only when the first carries nothing matching.
    assert s.resolve("dev", "other.amazonaws.com", precedence="priority-first").values == ("10.9.9.9",)
    s2 = _two_profiles(parent_first=False)
    assert s2.resolve("dev", LAMBDA, precedence="priority-first").via == "profile-endpoint:lambda"


def test_res12_specificity_first_most_specific_across_both_profiles() -> None:
    for parent_first in (True, False):
        s = _two_profiles(parent_first)
        ans = s.resolve("dev", LAMBDA, precedence="specificity-first")
        assert ans == Answer("private", "profile-endpoint:lambda", "lambda")  # RES-2 across both


def test_res12_priority_breaks_a_same_name_tie_and_res3_still_holds() -> None:
    s = _state("dev")
    _zone(s, "mine", LAMBDA, {LAMBDA: "ep-mine"})
    _zone(s, "theirs", LAMBDA, {LAMBDA: "ep-theirs"})
    _zone(s, "local", LAMBDA, {LAMBDA: "ep-local"})
    s.attach_to_profile("central", "zone:mine")
    s.attach_to_profile("baseline", "zone:theirs")
    s.associate_vpc_profile("dev", "central", 200)
    s.associate_vpc_profile("dev", "baseline", 400)
    for prec in PRECEDENCES:
        assert s.resolve("dev", LAMBDA, precedence=prec).endpoint == "ep-mine"  # lower priority first
    s.associate_vpc_profile("dev", "central", 500)
    for prec in PRECEDENCES:
        assert s.resolve("dev", LAMBDA, precedence=prec).endpoint == "ep-theirs"
    s.associate_zone_vpc("local", "dev")  # RES-3: a direct zone of the same name beats either Profile
    for prec in PRECEDENCES:
        assert s.resolve("dev", LAMBDA, precedence=prec) == Answer("private", "zone:local", "ep-local")


def test_res12_priority_first_a_more_specific_direct_zone_still_wins() -> None:
    s = _two_profiles(parent_first=True)
    _zone(s, "direct", LAMBDA, {LAMBDA: "ep-direct"})
    s.associate_zone_vpc("direct", "dev")
    assert s.resolve("dev", LAMBDA, precedence="priority-first").endpoint == "ep-direct"  # RES-2 vs local


def test_as6_old_order_answers_with_the_previous_priorities_until_complete() -> None:
    s = _two_profiles(parent_first=False)  # central 200 before baseline 300
    s.old_priorities["dev"] = {"central": 400}  # an UPDATING change moved central from 400 to 200
    assert s.resolve("dev", LAMBDA, precedence="priority-first").private
    assert s.resolve("dev", LAMBDA, precedence="priority-first", old_order=True).kind == "nxdomain"
    assert s.copy().resolve("dev", LAMBDA, precedence="priority-first", old_order=True).kind == "nxdomain"


# -- RES-2 ----------------------------------------------------------------------------------------------


def test_res2_most_specific_zone_name_wins() -> None:
    s = _state("v")
    _zone(s, "apex", "amazonaws.com", {LAMBDA: ("203.0.113.1",)})
    _zone(s, "region", "us-east-1.amazonaws.com", {LAMBDA: ("203.0.113.2",)})
    _zone(s, "service", LAMBDA, {LAMBDA: "lambda"})
    for key in ("zone:apex", "zone:region", "zone:service"):
        s.direct["v"].add(key)
    assert s.resolve("v", LAMBDA) == Answer("private", "zone:service", "lambda")
    s.disassociate_zone_vpc("service", "v")
    assert s.resolve("v", LAMBDA) == Answer("other", "zone:region", values=("203.0.113.2",))
    s.disassociate_zone_vpc("region", "v")
    assert s.resolve("v", LAMBDA).values == ("203.0.113.1",)


def test_res2_a_zone_for_a_child_name_does_not_answer_the_parent() -> None:
    s = _state("v")
    _zone(s, "child", "api.lambda.us-east-1.amazonaws.com", {"api.lambda.us-east-1.amazonaws.com": "lambda"})
    s.associate_zone_vpc("child", "v")
    assert s.resolve("v", LAMBDA).kind == "public"
    # Name matching is on whole labels: "xlambda..." is not under "lambda...".
    _zone(s, "lam", LAMBDA, {LAMBDA: "lambda"})
    s.associate_zone_vpc("lam", "v")
    assert s.resolve("v", "x" + LAMBDA).kind == "public"


def test_res2_query_names_are_case_and_trailing_dot_insensitive() -> None:
    s = _state("v")
    _zone(s, "z", LAMBDA, {LAMBDA: "lambda"})
    s.associate_zone_vpc("z", "v")
    assert s.resolve("v", "LAMBDA.us-east-1.AmazonAWS.com.") == Answer("private", "zone:z", "lambda")


# -- RES-3: the Profiles guide's precedence table ---------------------------------------------------------


def _local_and_profile(query: str, profile_zone: str, vpc_zone: str) -> Answer:
    """One VPC with a local zone ``vpc_zone`` and a Profile carrying ``profile_zone``; both hold ``query``."""
    s = _state("v")
    _zone(s, "local", vpc_zone, {query: "ep-local"})
    _zone(s, "remote", profile_zone, {query: "ep-profile"})
    s.associate_zone_vpc("local", "v")
    s.attach_to_profile("p", "zone:remote")
    s.associate_vpc_profile("v", "p")
    return s.resolve("v", query)


def test_res3_same_name_local_wins_example_com() -> None:
    # Documented: query example.com, Profile example.com, VPC example.com -> local.
    ans = _local_and_profile("example.com", profile_zone="example.com", vpc_zone="example.com")
    assert (ans.via, ans.endpoint) == ("zone:local", "ep-local")


def test_res3_more_specific_profile_zone_beats_local_parent() -> None:
    # Documented: query test.example.com, Profile test.example.com, VPC example.com -> Profile.
    ans = _local_and_profile("test.example.com", profile_zone="test.example.com", vpc_zone="example.com")
    assert (ans.via, ans.endpoint) == ("profile-zone:remote", "ep-profile")


def test_res3_more_specific_local_zone_beats_profile_parent() -> None:
    # The other way round: query test.example.com, Profile example.com, VPC test.example.com -> local
    # (most specific wins, RES-2, whichever side it is on).
    ans = _local_and_profile("test.example.com", profile_zone="example.com", vpc_zone="test.example.com")
    assert (ans.via, ans.endpoint) == ("zone:local", "ep-local")


def test_res3_local_same_name_zone_without_the_record_still_hides_the_profile() -> None:
    s = _state("v")
    _zone(s, "local", LAMBDA, {})
    s.add_endpoint("lambda", LAMBDA)
    s.associate_zone_vpc("local", "v")
    s.attach_to_profile("p", "endpoint:lambda")
    s.associate_vpc_profile("v", "p")
    assert s.resolve("v", LAMBDA) == Answer("nxdomain", "zone:local")  # RES-3 then RES-4


# -- RES-4 ----------------------------------------------------------------------------------------------


def test_res4_winning_zone_without_the_record_is_nxdomain_no_fallback() -> None:
    s = _state("v")
    _zone(s, "parent", "us-east-1.amazonaws.com", {LAMBDA: "lambda"})  # would answer, but is less specific
    _zone(s, "empty", LAMBDA, {f"legacy.{LAMBDA}": ("10.9.9.9",)})
    s.associate_zone_vpc("parent", "v")
    s.associate_zone_vpc("empty", "v")
    ans = s.resolve("v", LAMBDA)
    assert (ans.kind, ans.via, ans.classification) == ("nxdomain", "zone:empty", "nxdomain")
    assert not ans.private


def test_res4_published_step7_window_record_deleted_zone_still_associated() -> None:
    s = DnsState.from_scenario(scenario(path1()))
    s.delete_record("lambda-zone", LAMBDA + ".")
    assert s.resolve("dev", LAMBDA).classification == "nxdomain"
    s.delete_zone("lambda-zone")
    assert s.resolve("dev", LAMBDA).kind == "public"  # RES-5 once the zone is gone (CP-4 drops associations)


def test_res4_nodata_counts_as_nxdomain_in_the_contract() -> None:
    assert Answer("nodata", "zone:z").classification == "nxdomain"


def test_res4_only_a_records_are_modelled() -> None:
    doc = path1()
    doc["hosted_zones"]["lambda-zone"]["records"] = [{"name": LAMBDA, "type": "AAAA", "alias_to": "lambda"}]
    s = DnsState.from_scenario(scenario(doc))
    assert s.resolve("dev", LAMBDA).classification == "nxdomain"  # the zone wins; it has no A record


# -- RES-5 ----------------------------------------------------------------------------------------------


def test_res5_no_matching_private_zone_resolves_publicly() -> None:
    s = _state("v")
    _zone(s, "logs", "logs.us-east-1.amazonaws.com", {"logs.us-east-1.amazonaws.com": "logs"})
    s.associate_zone_vpc("logs", "v")
    assert s.resolve("v", LAMBDA) == Answer("public", "public")
    assert s.resolve("unknown-vpc", LAMBDA) == Answer("public", "public")
    assert s.resolve("v", LAMBDA).classification == "public"


# -- RES-6 ----------------------------------------------------------------------------------------------


def test_res6_private_dns_creates_a_managed_zone_on_the_endpoints_own_vpc() -> None:
    doc = path1()
    doc["hosted_zones"] = {}
    s = DnsState.from_scenario(scenario(doc))
    assert s.resolve("shared-services", LAMBDA).kind == "public"
    s.set_private_dns("lambda", "shared-services", True)
    assert s.resolve("shared-services", LAMBDA) == Answer("private", "managed-zone", "lambda")
    assert s.resolve("dev", LAMBDA).kind == "public"  # only the endpoint's VPC
    s.set_private_dns("lambda", "shared-services", False)
    assert s.resolve("shared-services", LAMBDA).kind == "public"


def test_res6_managed_zone_from_scenario_and_it_is_local() -> None:
    doc = path1()
    doc["hosted_zones"] = {}
    doc["endpoints"]["lambda"]["private_dns"] = True
    doc["endpoints"]["lambda"]["dns_name"] = "api.example.internal"
    s = DnsState.from_scenario(scenario(doc))
    assert s.resolve("shared-services", "api.example.internal").via == "managed-zone"
    # Local: a Profile-carried same-name zone does not override it (RES-3).
    _zone(s, "stale", "api.example.internal", {})
    s.attach_to_profile("central", "zone:stale")
    s.associate_vpc_profile("shared-services", "central")
    assert s.resolve("shared-services", "api.example.internal").private


# -- RES-7 ----------------------------------------------------------------------------------------------


def test_res7_endpoint_on_profile_resolves_in_every_profile_vpc() -> None:
    doc = path2()
    doc["hosted_zones"] = {}
    doc["profiles"]["central"]["hosted_zones"] = []
    doc["profiles"]["central"]["vpcs"] = ["dev", "prod"]
    doc["vpcs"]["outside"] = {"account": "network", "cidr": "10.9.0.0/16"}
    doc["endpoints"]["lambda"]["private_dns"] = True
    doc["profiles"]["central"]["endpoints"] = ["lambda"]
    s = DnsState.from_scenario(scenario(doc))
    for vpc in ("dev", "prod"):
        assert s.resolve(vpc, LAMBDA) == Answer("private", "profile-endpoint:lambda", "lambda")
    assert s.resolve("outside", LAMBDA).kind == "public"
    assert s.resolve("shared-services", LAMBDA).via == "managed-zone"


def test_res7_a_local_same_name_zone_hides_the_profile_endpoint_until_the_vpc_leaves_it() -> None:
    # Published step 6: a VPC switches to the endpoint only when it leaves the local zone.
    s = DnsState.from_scenario(scenario(path1()))
    s.associate_vpc_profile("dev", "central")
    s.attach_to_profile("central", "endpoint:lambda")
    assert s.resolve("dev", LAMBDA).via == "zone:lambda-zone"
    s.disassociate_zone_vpc("lambda-zone", "dev")
    assert s.resolve("dev", LAMBDA) == Answer("private", "profile-endpoint:lambda", "lambda")
    s.detach_from_profile("central", "endpoint:lambda")
    assert s.resolve("dev", LAMBDA).kind == "public"


# -- RES-8 ----------------------------------------------------------------------------------------------


def test_res8_alias_to_endpoint_is_private_plain_values_are_not() -> None:
    doc = path1()
    doc["hosted_zones"]["lambda-zone"]["records"].append(
        {"name": f"legacy.{LAMBDA}", "type": "A", "values": ["10.9.9.9"]}
    )
    s = DnsState.from_scenario(scenario(doc))
    alias = s.resolve("dev", LAMBDA)
    assert (alias.kind, alias.endpoint, alias.private) == ("private", "lambda", True)
    plain = s.resolve("dev", f"legacy.{LAMBDA}")
    assert (plain.kind, plain.values, plain.private) == ("other", ("10.9.9.9",), False)


# -- RES-10 ---------------------------------------------------------------------------------------------


def test_res10_negative_cache_serves_nxdomain_until_the_ttl_expires() -> None:
    s = DnsState.from_scenario(scenario(path1()))
    s.negative_ttl = 900.0
    s.delete_record("lambda-zone", LAMBDA)
    cache = NegativeCache(ttl=60.0)
    first = cache.resolve(s, "dev", LAMBDA, now=100.0)
    assert first.kind == "nxdomain" and first.negative_ttl == 900.0
    s.delete_zone("lambda-zone")
    s.associate_vpc_profile("dev", "central")
    s.attach_to_profile("central", "endpoint:lambda")
    assert s.resolve("dev", LAMBDA).private  # the model already answers privately ...
    assert cache.resolve(s, "dev", LAMBDA, now=159.9) == first  # ... but the cached NXDOMAIN is served
    assert cache.resolve(s, "dev", LAMBDA, now=160.0).private  # expired at 100 + 60
    assert cache.lookup("dev", LAMBDA, now=161.0) is None  # positive answers are never cached


def test_res10_ttl_zero_disables_the_cache_and_the_default_soa_figure() -> None:
    s = DnsState.from_scenario(scenario(path1()))
    s.delete_record("lambda-zone", LAMBDA)
    cache = NegativeCache(ttl=0.0)
    assert cache.resolve(s, "dev", LAMBDA, now=0.0).kind == "nxdomain"
    assert cache.lookup("dev", LAMBDA, now=0.0) is None
    assert DEFAULT_SOA_NEGATIVE_TTL == 900.0  # min(SOA TTL 900, SOA minimum 86400)
    doc = path1()
    doc["twin"] = {"negative_cache_ttl": 30}
    assert DnsState.from_scenario(scenario(doc)).negative_ttl == 30.0


def test_res10_cache_is_per_vpc_and_name() -> None:
    cache = NegativeCache(ttl=10.0)
    nx = Answer("nxdomain", "zone:z")
    cache.store("dev", LAMBDA, nx, now=0.0)
    cache.store("dev", "other.example", Answer("public", "public"), now=0.0)
    assert cache.lookup("dev", LAMBDA, now=5.0) == nx
    assert cache.lookup("prod", LAMBDA, now=5.0) is None
    assert cache.lookup("dev", "other.example", now=5.0) is None


# -- RES-11 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dns_support", "dns_hostnames", "kind"),
    [(True, True, "private"), (True, False, "public"), (False, True, "noanswer"), (False, False, "noanswer")],
)
def test_res11_private_zones_need_both_vpc_dns_attributes(
    dns_support: bool, dns_hostnames: bool, kind: str
) -> None:
    doc = path1()
    doc["vpcs"]["dev"].update(dns_support=dns_support, dns_hostnames=dns_hostnames)
    s = DnsState.from_scenario(scenario(doc))
    ans = s.resolve("dev", LAMBDA)
    assert ans.kind == kind
    assert ans.private == (kind == "private")
    # Profile-carried answers need the attributes too.
    s.disassociate_zone_vpc("lambda-zone", "dev")
    s.associate_vpc_profile("dev", "central")
    s.attach_to_profile("central", "endpoint:lambda")
    assert s.resolve("dev", LAMBDA).kind == kind


# -- state handling --------------------------------------------------------------------------------------


def test_copy_is_independent() -> None:
    s = DnsState.from_scenario(scenario(path1()))
    c = s.copy()
    c.disassociate_zone_vpc("lambda-zone", "dev")
    c.delete_record("lambda-zone", LAMBDA)
    c.associate_vpc_profile("prod", "central")
    assert s.resolve("dev", LAMBDA).private and s.resolve("prod", LAMBDA).private
    assert c.resolve("dev", LAMBDA).kind == "public"
    assert c.resolve("prod", LAMBDA).kind == "nxdomain"


def test_zones_written_directly_are_seen_by_resolve() -> None:
    # The twin builds a DnsState by writing ``zones``/``direct`` directly; resolve must see every change.
    s = _state("v")
    assert s.resolve("v", LAMBDA).kind == "public"
    s.zones["zone:late"] = ZoneSource("zone:late", LAMBDA, {LAMBDA: ("endpoint", "lambda")})
    s.direct["v"].add("zone:late")
    assert s.resolve("v", LAMBDA).via == "zone:late"
    s.add_endpoint("lambda", LAMBDA)
    assert s.keys_named(LAMBDA + ".") == ["endpoint:lambda", "managed-zone:lambda", "zone:late"]
    s.zones = {}
    assert s.keys_named(LAMBDA) == []
    assert s.resolve("v", LAMBDA).kind == "public"


def test_remove_vpc_forgets_it() -> None:
    s = DnsState.from_scenario(scenario(path1()))
    s.remove_vpc("dev")
    assert "dev" not in s.vpcs and "dev" not in s.direct
    assert s.resolve("dev", LAMBDA).kind == "public"


# -- properties --------------------------------------------------------------------------------------------

CHAIN = ["com", "amazonaws.com", "us-east-1.amazonaws.com", LAMBDA]
Placement = tuple[bool, bool, bool, bool]  # local?, local has record?, profile?, profile has record?


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), st.booleans(), st.booleans(), st.booleans()), min_size=4, max_size=4),
    st.booleans(),
    st.booleans(),
)
def test_property_res2_res3_res4_res5_against_a_reference(
    placements: list[Placement], in_profile: bool, deep_query: bool
) -> None:
    """Zones on every level of the name chain, locally and/or on the Profile, with or without the record."""
    query = ("x." + LAMBDA) if deep_query else LAMBDA
    s = _state("v")
    for name, (local, local_rec, remote, remote_rec) in zip(CHAIN, placements, strict=True):
        if local:
            _zone(s, f"l-{name}", name, {query: "ep-l-" + name} if local_rec else {})
            s.associate_zone_vpc(f"l-{name}", "v")
        if remote:
            _zone(s, f"r-{name}", name, {query: "ep-r-" + name} if remote_rec else {})
            s.attach_to_profile("p", f"zone:r-{name}")
    if in_profile:
        s.associate_vpc_profile("v", "p")
    expected = Answer("public", "public")  # RES-5
    for name, (local, local_rec, remote, remote_rec) in reversed(list(zip(CHAIN, placements, strict=True))):
        if local:  # RES-2 (most specific first), RES-3 (local first), RES-4 (no record: NXDOMAIN)
            expected = (
                Answer("private", f"zone:l-{name}", "ep-l-" + name)
                if local_rec
                else Answer("nxdomain", f"zone:l-{name}")
            )
            break
        if remote and in_profile:
            expected = (
                Answer("private", f"profile-zone:r-{name}", "ep-r-" + name)
                if remote_rec
                else Answer("nxdomain", f"profile-zone:r-{name}")
            )
            break
    assert s.resolve("v", query) == expected


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["assoc", "disassoc", "join", "leave", "attach", "detach", "pdns-on", "pdns-off"]),
        max_size=12,
    )
)
def test_property_resolve_is_a_pure_function_of_the_state(ops: list[str]) -> None:
    """Whatever the mutation history, a fresh copy resolves exactly like the original (no hidden state)."""
    s = DnsState.from_scenario(scenario(path1()))
    apply = {
        "assoc": lambda: s.associate_zone_vpc("lambda-zone", "dev"),
        "disassoc": lambda: s.disassociate_zone_vpc("lambda-zone", "dev"),
        "join": lambda: s.associate_vpc_profile("dev", "central"),
        "leave": lambda: s.disassociate_vpc_profile("dev", "central"),
        "attach": lambda: s.attach_to_profile("central", "endpoint:lambda"),
        "detach": lambda: s.detach_from_profile("central", "endpoint:lambda"),
        "pdns-on": lambda: s.set_private_dns("lambda", "dev", True),
        "pdns-off": lambda: s.set_private_dns("lambda", "dev", False),
    }
    for op in ops:
        apply[op]()
        assert s.copy().resolve("dev", LAMBDA) == s.resolve("dev", LAMBDA)
    direct = {"zone:lambda-zone", "managed-zone:lambda"} & s.direct.get("dev", set())
    ans = s.resolve("dev", LAMBDA)
    if direct:
        assert ans.private and ans.via in ("zone:lambda-zone", "managed-zone")
    elif "central" in s.profiles_of.get("dev", {}) and "endpoint:lambda" in s.profile_zones["central"]:
        assert ans.via == "profile-endpoint:lambda"
    else:
        assert ans.kind == "public"
