"""The resolution sampler: one sample per simulated second, counted exactly, over real DNS."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

import pytest
from dns_answers import NAME, PRIVATE, Ans

from twin.clock import SimClock, get_clock, install_clock
from twin.config import TwinSettings
from twin.dns_server import ResolverFleet
from twin.sampler import Classified, DnsQuerier, Sampler

pytestmark = pytest.mark.twin


PRIV = Ans("private", PRIVATE)
PRIV_EP = Ans("private", PRIVATE, via="profile-endpoint:lambda")
NX = Ans("nxdomain")
PUB = Ans("public", ("52.94.1.1",), via="public")


class ScriptedModel:
    """answer_fn whose answer for a VPC changes at given simulated times after ``start``."""

    def __init__(self, clock: SimClock, start: float, script: dict[str, list[tuple[float, Ans]]]) -> None:
        self.clock = clock
        self.start = start
        self.script = script

    def __call__(self, vpc: str, qname: str, qtype: str) -> Ans:
        t = self.clock.now() - self.start
        current = Ans("nxdomain", via="public")
        for t_from, ans in self.script.get(vpc, []):
            if t >= t_from:
                current = ans
        return current


class MutableModel:
    def __init__(self) -> None:
        self.answers: dict[str, Ans] = {}

    def __call__(self, vpc: str, qname: str, qtype: str) -> Ans:
        return self.answers.get(vpc, Ans("nxdomain", via="public"))


def private_ips_of(name: str) -> set[str]:
    return set(PRIVATE) if name == NAME else set()


@pytest.fixture
def frozen() -> Iterator[SimClock]:
    before = get_clock()
    c = install_clock(SimClock(1000.0))  # real time barely moves it: tests step it with advance()
    yield c
    install_clock(before)


@pytest.fixture
def fast() -> Iterator[SimClock]:
    before = get_clock()
    c = install_clock(SimClock(0.002))  # one simulated second = 2 ms
    yield c
    install_clock(before)


def play_dev_outage(sampler: Sampler, model: MutableModel, clock: SimClock) -> None:
    """30 ticks, the state each second k sampled at tick k: dev loses the name for 10..14, is public
    15..17, private through its zone before and through the Profile after; then the sampler stops."""
    try:
        assert sampler.wait_for_ticks(1)
        for k in range(1, 31):
            model.answers["dev"] = (
                NX if 10 <= k < 15 else PUB if 15 <= k < 18 else PRIV if k < 10 else PRIV_EP
            )
            step(sampler, clock)
    finally:
        sampler.stop()


def step(sampler: Sampler, clock: SimClock, seconds: int = 1) -> None:
    want = sampler.ticks + seconds
    clock.advance(seconds)
    assert sampler.wait_for_ticks(want, timeout=10.0), f"sampler stuck at {sampler.ticks} ticks"


def row(sampler: Sampler, vpc: str) -> dict[str, object]:
    return next(r for r in sampler.summary() if r["vpc"] == vpc)


def test_downtime_is_counted_exactly_in_simulated_seconds(frozen: SimClock, settings: TwinSettings) -> None:
    model = MutableModel()
    model.answers = {"dev": PRIV, "prod": PUB, "shared": PRIV}
    targets = [("dev", NAME), ("prod", NAME), ("shared", NAME)]
    with ResolverFleet(["dev", "prod", "shared"], model, first_address="127.0.9.101", port=0) as fleet:
        sampler = Sampler.over_dns(targets, fleet, private_ips_of, frozen).start()
        play_dev_outage(sampler, model, frozen)
    dev = row(sampler, "dev")
    assert dev == {
        "vpc": "dev", "name": NAME, "samples": 31, "private": 23, "public": 3, "nxdomain": 5, "other": 0,
        "downtime_seconds": 8.0, "watched": True,
    }  # fmt: skip
    prod = row(sampler, "prod")
    assert prod["public"] == 31 and prod["downtime_seconds"] == 0.0 and prod["watched"] is False
    shared = row(sampler, "shared")
    assert shared["private"] == 31 and shared["downtime_seconds"] == 0.0 and shared["watched"] is True

    start = sampler.start_time
    assert start is not None
    changes = [(round(t - start), a, b) for t, a, b in sampler.transitions()[("dev", NAME)]]
    assert changes == [(10, "private", "nxdomain"), (15, "nxdomain", "public"), (18, "public", "private")]
    assert sampler.transitions()[("shared", NAME)] == []
    bands = [
        (round(t0 - start), round(t1 - start), k, via) for t0, t1, k, via in sampler.bands()[("dev", NAME)]
    ]
    assert bands == [
        (0, 10, "private", "zone:lambda-zone"),
        (10, 15, "nxdomain", "zone:lambda-zone"),
        (15, 18, "public", "public"),
        (18, 31, "private", "profile-endpoint:lambda"),
    ]
    times = [round(s.t - start, 6) for s in sampler.timeline() if s.vpc == "dev"]
    assert times == list(range(31))  # stamped with the tick time, one per simulated second


def test_falling_behind_still_samples_every_second_and_reports_lag(
    frozen: SimClock, settings: TwinSettings
) -> None:
    sampler = Sampler([("dev", NAME)], lambda vpc, name: "private", frozen).start()
    try:
        assert sampler.wait_for_ticks(1)
        step(sampler, frozen, 10)  # the clock jumps 10 s: ticks 1..10 are all due at once
    finally:
        sampler.stop()
    assert row(sampler, "dev")["samples"] == 11
    start = sampler.start_time
    assert start is not None
    assert [round(s.t - start, 6) for s in sampler.timeline()] == list(range(11))
    lag = sampler.lag()
    assert lag["max_behind_seconds"] >= 9.0
    assert lag["late_ticks"] >= 8
    assert lag["abandoned_ticks"] == 0


def test_stop_drains_due_ticks(frozen: SimClock, settings: TwinSettings) -> None:
    slow_calls: list[float] = []

    def slow(vpc: str, name: str) -> Classified:
        slow_calls.append(frozen.now())
        time.sleep(0.002)
        return Classified("private", "zone:z")

    sampler = Sampler([("dev", NAME)], slow, frozen).start()
    assert sampler.wait_for_ticks(1)
    frozen.advance(50)
    sampler.stop()  # ticks 1..50 were due at stop: drained
    assert row(sampler, "dev")["samples"] == 51


def test_watch_over_real_dns_with_scripted_changes(fast: SimClock, settings: TwinSettings) -> None:
    start = fast.now() + 5  # ticks start in the future: the sampler waits for tick 0
    script = {
        "dev": [(0, PRIV), (20, NX), (30, PRIV_EP)],  # 10 s of NXDOMAIN
        "shared": [(0, PRIV)],
        "prod": [(0, PUB), (25, PRIV)],  # not private at the start: reported, not watched
    }
    model = ScriptedModel(fast, start, script)
    targets = [("dev", NAME), ("shared", NAME), ("prod", NAME)]
    with ResolverFleet(list(script), model, first_address="127.0.9.111", port=0, start=start) as fleet:
        sampler = Sampler.over_dns(targets, fleet, private_ips_of, fast, start=start).start()
        try:
            while fast.now() < start + 60.5:
                time.sleep(0.005)
        finally:
            sampler.stop()
    tol = 1 + math.ceil(sampler.lag()["max_behind_seconds"])  # ±1 sample at each boundary (+ any lag)
    dev = row(sampler, "dev")
    assert sampler.stop_time is not None
    assert dev["samples"] == math.floor(sampler.stop_time - start) + 1  # every due tick, drained at stop
    assert abs(dev["nxdomain"] - 10) <= tol
    assert dev["downtime_seconds"] == float(dev["samples"] - dev["private"])
    assert abs(dev["downtime_seconds"] - 10) <= tol
    assert dev["watched"] is True and dev["public"] == 0 and dev["other"] == 0
    (t_lost, a, b), (t_back, c, d) = sampler.transitions()[("dev", NAME)]
    assert (a, b, c, d) == ("private", "nxdomain", "nxdomain", "private")
    assert abs(t_lost - start - 20) <= tol and abs(t_back - start - 30) <= tol
    prod = row(sampler, "prod")
    assert prod["watched"] is False and prod["downtime_seconds"] == 0.0
    assert abs(prod["public"] - 25) <= tol
    assert row(sampler, "shared")["downtime_seconds"] == 0.0


def test_resolver_outage_and_no_dns_support_are_other(frozen: SimClock, settings: TwinSettings) -> None:
    model = MutableModel()
    model.answers = {"dev": PRIV, "iso": PRIV}
    with ResolverFleet(
        ["dev", "iso"], model, first_address="127.0.9.121", port=0, start=frozen.now()
    ) as fleet:
        settings.faults = [{"kind": "resolver-outage", "vpc": "dev", "from": 3, "to": 5}]
        querier = DnsQuerier(fleet, private_ips_of, timeout=0.05)
        sampler = Sampler([("dev", NAME), ("iso", NAME), ("gone", NAME)], querier, frozen).start()
        try:
            assert sampler.wait_for_ticks(1)
            for k in range(1, 8):
                model.answers["iso"] = Ans("noanswer", via="no-dns-support") if k in (2, 3) else PRIV
                step(sampler, frozen)
        finally:
            sampler.stop()
    dev = row(sampler, "dev")
    assert (dev["samples"], dev["private"], dev["other"], dev["downtime_seconds"]) == (8, 6, 2, 2.0)
    kinds = [s.kind for s in sampler.timeline() if s.vpc == "dev"]
    assert kinds[3:5] == ["servfail", "servfail"]
    vias = [s.via for s in sampler.timeline() if s.vpc == "dev"]
    assert vias[3] == "fault:resolver-outage" and vias[0] == "zone:lambda-zone"
    iso = [s.kind for s in sampler.timeline() if s.vpc == "iso"]
    assert iso[2:4] == ["timeout", "timeout"] and row(sampler, "iso")["downtime_seconds"] == 2.0
    gone = row(sampler, "gone")  # no resolver for that VPC: an error, never watched
    assert gone["other"] == 8 and gone["watched"] is False


def test_querier_classifies_replies(frozen: SimClock, settings: TwinSettings) -> None:
    model = MutableModel()
    answers = {
        "a": PRIV, "b": PUB, "c": NX, "d": Ans("nodata"), "e": Ans("servfail"),
        "f": Ans("noanswer"), "g": Ans("public", ("10.0.0.5",), via="zone:other"),
    }  # fmt: skip
    model.answers = answers
    with ResolverFleet(list(answers), model, first_address="127.0.9.131", port=0) as fleet:
        q = DnsQuerier(fleet, private_ips_of, timeout=0.1)
        got = q.query_many([(v, NAME) for v in answers])
        assert [c.kind for c in got] == [
            "private",
            "public",
            "nxdomain",
            "nodata",
            "servfail",
            "timeout",
            "private",
        ]
        assert got[0].ips == PRIVATE and got[0].via == "zone:lambda-zone"
        assert q("b", NAME) == Classified("public", "public", ("52.94.1.1",))
        q.close()


def test_targets_can_be_added_while_sampling(frozen: SimClock, settings: TwinSettings) -> None:
    sampler = Sampler([("dev", NAME)], lambda vpc, name: "private", frozen).start()
    try:
        assert sampler.wait_for_ticks(1)
        step(sampler, frozen, 2)
        sampler.add_target("analytics", NAME)
        step(sampler, frozen, 2)
    finally:
        sampler.stop()
    assert row(sampler, "dev")["samples"] == 5
    assert row(sampler, "analytics")["samples"] == 2


class ModelEvents:
    """SettleEvents over a MutableModel: the fingerprint is its answers, the prediction their class."""

    def __init__(self, model: MutableModel) -> None:
        self.model = model

    def fingerprint(self) -> object:
        return tuple(sorted(self.model.answers.items(), key=lambda kv: kv[0]))

    def predict(self, targets: list[tuple[str, str]]) -> list[str]:
        return [self.model.answers.get(v, NX).kind for v, _ in targets]


def test_settle_event_sampling_counts_like_every_second_with_fewer_queries(
    frozen: SimClock, settings: TwinSettings
) -> None:
    """AS-5: answers change only at settle events, so resolving the changed pairs then (plus a thin
    round-robin sample) gives the same per-second counts, downtime and transitions as sampling all."""
    model = MutableModel()
    model.answers = {"dev": PRIV, "prod": PUB, "shared": PRIV}
    targets = [("dev", NAME), ("prod", NAME), ("shared", NAME)]
    with ResolverFleet(["dev", "prod", "shared"], model, first_address="127.0.9.111", port=0) as fleet:
        sampler = Sampler.over_dns(targets, fleet, private_ips_of, frozen, events=ModelEvents(model), thin=1)
        sampler.start()
        play_dev_outage(sampler, model, frozen)
    assert row(sampler, "dev") == {
        "vpc": "dev", "name": NAME, "samples": 31, "private": 23, "public": 3, "nxdomain": 5, "other": 0,
        "downtime_seconds": 8.0, "watched": True,
    }  # fmt: skip
    assert row(sampler, "prod")["public"] == 31 and row(sampler, "shared")["private"] == 31
    start = sampler.start_time
    assert start is not None
    changes = [(round(t - start), a, b) for t, a, b in sampler.transitions()[("dev", NAME)]]
    assert changes == [(10, "private", "nxdomain"), (15, "nxdomain", "public"), (18, "public", "private")]
    bands = [(round(a - start), round(b - start), k) for a, b, k, _via in sampler.bands()[("dev", NAME)]]
    assert bands == [(0, 10, "private"), (10, 15, "nxdomain"), (15, 18, "public"), (18, 31, "private")]
    # 3 first samples + 1 thin per later tick + dev at its 3 settle events (some coincide with the thin one)
    assert sampler.settle_events == 3
    assert sampler.queries <= 3 + 30 + 3 < 31 * 3
