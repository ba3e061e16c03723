"""The published procedure's ``watch -n 1 dig <service name>``, made exact.

A :class:`Sampler` resolves every watched (VPC, name) pair once per *simulated* second, in a
background thread: tick ``k`` is due at simulated time ``start + k * period``. When it falls behind
(a slow tick, a clock jump), it still takes one sample per tick, stamps each with its tick's time,
and records how far behind it was, so counts are exact in simulated time and the lag is reported
rather than hidden.

The default query goes over real DNS to the VPC's loopback resolver (:class:`DnsQuerier`) and
classifies the reply: ``private`` (an answer IP is one of the endpoint's private IPs for that name),
``public`` (other IPs), ``nxdomain``, ``nodata``, ``servfail``, ``timeout`` (no reply: RES-11) or
``error`` (anything else: REFUSED, no resolver for the VPC, a bad reply).

**Settle events** (``events``, what big estates use): the twin's answers change only when a change
settles (AS-5). Each tick the sampler compares a fingerprint of the settled DNS state (and of the
resolvers under a ``resolver-outage``); when it changed, every pair whose predicted answer changed is
resolved over real DNS at that tick. A pair whose real answer differs from the prediction (AS-6
alternation, a negative-cache entry, RES-10, an outage) is resolved every tick until they agree. On top,
a thin periodic sample resolves ``thin`` pairs per tick round-robin over real DNS. Between two samples
a pair's class is held (it cannot change without a settle event), so the per-tick counts and the
downtime are the same as resolving every pair every tick, at the cost of a few queries per tick.

``summary()`` gives the ``rehearse`` contract's ``resolution`` rows; ``downtime_seconds`` counts the
simulated seconds not private, for the pairs that were private at their first sample
(``watched: true``); the others are reported with downtime 0.
"""

from __future__ import annotations

import contextlib
import logging
import random
import select
import socket
import struct
import threading
import time
from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, NamedTuple, Protocol

from dnslib import QTYPE, RCODE

from twin.clock import SimClock, get_clock

log = logging.getLogger(__name__)

__all__ = ["CLASSES", "Classified", "DnsQuerier", "Sample", "Sampler", "SettleEvents"]

_MAX_WAIT = 0.02  # real seconds

CLASSES = ("private", "public", "nxdomain", "nodata", "servfail", "timeout", "error")


@dataclass(frozen=True)
class Classified:
    """One sample's outcome: ``kind`` is one of :data:`CLASSES`; ``via`` when the resolver told."""

    kind: str
    via: str | None = None
    ips: tuple[str, ...] = ()


class Sample(NamedTuple):
    t: float  # the tick's simulated time (not when the query actually ran)
    vpc: str
    name: str
    kind: str
    via: str | None


QueryFn = Callable[[str, str], "Classified | str"]


class FleetLike(Protocol):
    def address_of(self, vpc: str) -> tuple[str, int]: ...


def _encode_query(qid: int, name: str) -> bytes:
    """A plain ``A`` query with RD set, as ``dig`` sends it (without EDNS)."""
    out = bytearray(struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0))
    for label in name.rstrip(".").split("."):
        raw = label.encode("ascii")
        out.append(len(raw))
        out += raw
    out += b"\x00" + struct.pack(">HH", QTYPE.A, 1)
    return bytes(out)


def _skip_name(data: bytes, off: int) -> int:
    """Offset just past the (possibly compressed) name at ``off``."""
    while True:
        n = data[off]
        if n == 0:
            return off + 1
        if n & 0xC0 == 0xC0:
            return off + 2
        off += 1 + n


def _parse_reply(data: bytes) -> tuple[int, int, str, tuple[str, ...]]:
    """``(id, rcode, question name, A addresses)`` of a reply, by hand (dnslib's parser costs
    ~150 µs a reply). Raises on a malformed message."""
    qid, flags, qdcount, ancount = struct.unpack_from(">HHHH", data)
    if not flags & 0x8000 or qdcount != 1:
        raise ValueError("not a reply to one question")
    off = 12
    labels: list[str] = []
    while (n := data[off]) != 0:
        if n & 0xC0:
            raise ValueError("compressed question name")
        labels.append(data[off + 1 : off + 1 + n].decode("ascii"))
        off += 1 + n
    off += 5  # root label, qtype, qclass
    ips: list[str] = []
    for _ in range(ancount):
        off = _skip_name(data, off)
        rtype, _rclass, _ttl, rdlen = struct.unpack_from(">HHIH", data, off)
        off += 10
        if rtype == QTYPE.A and rdlen == 4:
            ips.append(socket.inet_ntoa(data[off : off + 4]))
        off += rdlen
    if off > len(data):
        raise ValueError("truncated reply")
    return qid, flags & 0x000F, ".".join(labels), tuple(ips)


class DnsQuerier:
    """Asks a VPC's resolver over UDP and classifies the reply (``private_ips_of(name)``: the
    endpoint private IPs that count as private for that name, read at each query).

    ``query_many`` sends all targets' queries at once on one socket and collects the replies, so a
    tick costs one round trip (and at most one ``timeout``, in real seconds), not one per target.
    If ``fleet`` has ``served(vpc, qid, name)`` (:class:`twin.dns_server.ResolverFleet`), the
    sample's ``via`` is what the resolver says it served to that very query.
    """

    def __init__(
        self,
        fleet: FleetLike,
        private_ips_of: Callable[[str], Collection[str]],
        *,
        timeout: float = 0.25,
    ) -> None:
        self.fleet = fleet
        self.private_ips_of = private_ips_of
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._poll: select.poll | None = None
        self._lock = threading.Lock()
        self._rng = random.Random()

    def __call__(self, vpc: str, name: str) -> Classified:
        return self.query_many([(vpc, name)])[0]

    def close(self) -> None:
        with self._lock:
            if self._sock is not None:
                self._sock.close()
                self._sock = None
                self._poll = None

    def _socket(self) -> tuple[socket.socket, select.poll]:
        if self._sock is None or self._poll is None:
            self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._sock.bind(("127.0.0.1", 0))
            self._sock.setblocking(False)
            with contextlib.suppress(OSError):  # a tick's replies arrive in one burst
                self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
            self._poll = select.poll()  # not select(): the twin may hold more than 1024 fds
            self._poll.register(self._sock, select.POLLIN)
        return self._sock, self._poll

    def query_many(self, targets: Sequence[tuple[str, str]], retries: int = 1) -> list[Classified]:
        """One query per target; a query with no reply is sent once more (as ``dig`` retries), so a
        moment of load on the twin's process is not taken for a resolver that does not answer."""
        results = self._query_round(targets)
        missing = [i for i, r in enumerate(results) if r is None]
        if missing and retries > 0:
            again = self.query_many([targets[i] for i in missing], retries - 1)
            for i, r in zip(missing, again, strict=True):
                results[i] = r
        return [r if r is not None else Classified("timeout") for r in results]

    def _query_round(self, targets: Sequence[tuple[str, str]]) -> list[Classified | None]:
        results: list[Classified | None] = [None] * len(targets)
        with self._lock:
            sock, poll = self._socket()
            while True:  # replies to earlier, timed-out queries: discard
                try:
                    sock.recvfrom(65535)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    continue
            pending: dict[tuple[tuple[str, int], int], int] = {}
            for i, (vpc, name) in enumerate(targets):
                try:
                    ip, port = self.fleet.address_of(vpc)
                except KeyError:
                    results[i] = Classified("error", "no-resolver")
                    continue
                addr = (ip, port)
                qid = self._rng.randrange(1 << 16)
                while (addr, qid) in pending:
                    qid = self._rng.randrange(1 << 16)
                pending[(addr, qid)] = i
                try:
                    sock.sendto(_encode_query(qid, name), addr)
                except OSError as exc:
                    del pending[(addr, qid)]
                    results[i] = Classified("error", f"send:{exc.errno}")
            deadline = time.monotonic() + self.timeout
            while pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                if not poll.poll(left * 1000):
                    break
                while pending:
                    try:
                        data, peer = sock.recvfrom(65535)
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError:  # ICMP unreachable from a stopped resolver: counted as timeout
                        continue
                    if len(data) < 2:
                        continue
                    (qid,) = struct.unpack_from(">H", data)
                    at = pending.pop((peer, qid), None)
                    if at is None:
                        continue
                    vpc, name = targets[at]
                    results[at] = self.classify(data, vpc, name, qid)
        return results

    def classify(self, data: bytes, vpc: str, name: str, qid: int) -> Classified:
        try:
            _id, rcode, qname, ips = _parse_reply(data)
        except (ValueError, IndexError, struct.error, UnicodeDecodeError):
            return Classified("error", "unparsable-reply")
        if qname.lower() != name.rstrip(".").lower():
            return Classified("error", "question-mismatch")
        via = self._via(vpc, qid, name)
        if rcode == RCODE.NXDOMAIN:
            return Classified("nxdomain", via)
        if rcode == RCODE.SERVFAIL:
            return Classified("servfail", via)
        if rcode != RCODE.NOERROR:
            return Classified("error", via or f"rcode:{RCODE.get(rcode)}")
        if not ips:
            return Classified("nodata", via, ())
        private = set(self.private_ips_of(name))
        return Classified("private" if private.intersection(ips) else "public", via, ips)

    def _via(self, vpc: str, qid: int, name: str) -> str | None:
        served = getattr(self.fleet, "served", None)
        if served is None:
            return None
        s = served(vpc, qid, name)
        return s.via if s is not None else None


class SettleEvents(Protocol):
    """What the settle-event mode needs of the twin's live DNS (:class:`twin.dnsview.SettledModel`)."""

    def fingerprint(self) -> Hashable:
        """Changes whenever some answer may have changed (a change settled, an outage began or ended)."""
        ...

    def predict(self, targets: Sequence[tuple[str, str]]) -> list[str]:
        """The class each (VPC, name) resolves to now, per the settled state (no DNS, no side effects)."""
        ...


class Sampler:
    """Samples ``targets`` once per ``period`` simulated seconds from ``start`` (default: the
    simulated time at :meth:`start`). ``clock`` None uses the process clock."""

    def __init__(
        self,
        targets: Iterable[tuple[str, str]],
        query: QueryFn,
        clock: SimClock | None = None,
        *,
        start: float | None = None,
        period: float = 1.0,
        events: SettleEvents | None = None,
        thin: int = 8,
    ) -> None:
        if period <= 0:
            raise ValueError("period must be > 0")
        self.query = query
        self.period = period
        self._clock = clock
        self._start = start
        self._targets: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._timeline: list[Sample] = []
        self._by_target: dict[tuple[str, str], list[Sample]] = {}
        self._thread: threading.Thread | None = None
        self._stop_requested = threading.Event()
        self._stop_at: float | None = None
        self._drain = True
        self._drain_deadline = float("inf")
        self.ticks = 0
        self.max_behind = 0.0  # simulated seconds the latest tick started after it was due
        self.late_ticks = 0  # ticks that started more than one period late
        self.abandoned_ticks = 0  # due ticks not sampled because stop() ran out of drain time
        self.error = False  # the sampling thread died (see the log)
        self.events = events  # None: every pair every tick; else settle events + a thin sample
        self.thin = thin
        self.queries = 0  # real DNS queries sent
        self.settle_events = 0  # ticks at which the settled state had changed
        self._fingerprint: Hashable = None
        self._predicted: dict[tuple[str, str], str] = {}
        self._recheck: set[tuple[str, str]] = set()
        self._rr = 0  # the thin sample's round-robin position
        self._first_tick: dict[tuple[str, str], int] = {}
        for vpc, name in targets:
            self.add_target(vpc, name)

    @classmethod
    def over_dns(
        cls,
        targets: Iterable[tuple[str, str]],
        fleet: FleetLike,
        private_ips_of: Callable[[str], Collection[str]],
        clock: SimClock | None = None,
        *,
        timeout: float = 0.25,
        start: float | None = None,
        period: float = 1.0,
        events: SettleEvents | None = None,
        thin: int = 8,
    ) -> Sampler:
        """A sampler that asks each VPC's resolver over real DNS (:class:`DnsQuerier`)."""
        querier = DnsQuerier(fleet, private_ips_of, timeout=timeout)
        return cls(targets, querier, clock, start=start, period=period, events=events, thin=thin)

    # -- configuration ---------------------------------------------------------------------------

    @property
    def clock(self) -> SimClock:
        return self._clock if self._clock is not None else get_clock()

    @property
    def start_time(self) -> float | None:
        return self._start

    @property
    def stop_time(self) -> float | None:
        """The simulated time :meth:`stop` was called at (None while running)."""
        return self._stop_at

    @property
    def targets(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._targets)

    def add_target(self, vpc: str, name: str) -> None:
        """Watch one more pair from the next tick on (a VPC created during the rehearsal)."""
        with self._lock:
            if (vpc, name) not in self._by_target:
                self._targets.append((vpc, name))
                self._by_target[(vpc, name)] = []

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> Sampler:
        if self._thread is not None:
            raise RuntimeError("sampler already started")
        if self._start is None:
            self._start = self.clock.now()
        self._thread = threading.Thread(target=self._run, name="dns-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self, *, drain: bool = True, drain_timeout: float = 5.0) -> None:
        """Stop at the current simulated time. With ``drain`` the ticks already due are still
        sampled (up to ``drain_timeout`` real seconds), so ``samples`` = whole simulated seconds
        elapsed + 1."""
        if self._thread is None:
            return
        self._stop_at = self.clock.now()
        self._drain = drain
        self._drain_deadline = time.monotonic() + drain_timeout
        self._stop_requested.set()
        self._thread.join(drain_timeout + 5.0)
        close = getattr(self.query, "close", None)
        if callable(close):
            close()

    def __enter__(self) -> Sampler:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def wait_for_ticks(self, n: int, timeout: float = 10.0) -> bool:
        """Block until at least ``n`` ticks were sampled (tests)."""
        deadline = time.monotonic() + timeout
        while self.ticks < n:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.001)
        return True

    def _run(self) -> None:
        try:
            self._loop()
        except Exception:  # never die silently: the rehearsal would report a short timeline
            log.exception("sampler stopped by an error after %d ticks", self.ticks)
            self.error = True

    def _loop(self) -> None:
        assert self._start is not None
        clock = self.clock
        k = 0
        while True:
            due = self._start + k * self.period
            if self._stop_requested.is_set():
                assert self._stop_at is not None
                if not self._drain or due > self._stop_at:
                    return
                if time.monotonic() > self._drain_deadline:
                    self.abandoned_ticks = int((self._stop_at - due) // self.period) + 1
                    return
            now = clock.now()
            if now < due:  # at most 20 ms at a time: notices a clock that jumped (advance)
                self._stop_requested.wait(min(clock.real_seconds(due - now), _MAX_WAIT))
                continue
            behind = now - due
            self.max_behind = max(self.max_behind, behind)
            if behind > self.period:
                self.late_ticks += 1
            self._tick(due)
            k += 1

    def _due_targets(self) -> list[tuple[str, str]]:
        """Events mode: the pairs to resolve over real DNS at this tick (see the module doc)."""
        assert self.events is not None
        targets = self.targets
        due: set[tuple[str, str]] = {p for p in targets if p not in self._first_tick}  # new: a first sample
        due |= self._recheck
        fp = self.events.fingerprint()
        if fp != self._fingerprint:
            if self._fingerprint is not None:
                self.settle_events += 1
            self._fingerprint = fp
            for pair, cls in zip(targets, self.events.predict(targets), strict=True):
                if self._predicted.get(pair) != cls:
                    due.add(pair)
                self._predicted[pair] = cls
        if targets and self.thin > 0:
            n = min(self.thin, len(targets))
            due.update(targets[(self._rr + i) % len(targets)] for i in range(n))
            self._rr = (self._rr + n) % len(targets)
        return [p for p in targets if p in due]

    def _tick(self, t: float) -> None:
        targets = self.targets if self.events is None else self._due_targets()
        self.queries += len(targets)
        results: list[Classified]
        many = getattr(self.query, "query_many", None)
        try:
            if many is not None:
                results = [self._as_classified(r) for r in many(targets)]
            else:
                results = [self._query_one(vpc, name) for vpc, name in targets]
        except Exception as exc:
            log.exception("sampler tick at %.1f failed", t)
            results = [Classified("error", f"sampler:{type(exc).__name__}")] * len(targets)
        if len(results) != len(targets):
            log.error("query_many gave %d results for %d targets", len(results), len(targets))
            results = [Classified("error", "sampler:result-count")] * len(targets)
        with self._lock:
            for (vpc, name), r in zip(targets, results, strict=True):
                sample = Sample(t, vpc, name, r.kind, r.via)
                self._timeline.append(sample)
                self._by_target[(vpc, name)].append(sample)
                if self.events is not None:
                    self._first_tick.setdefault((vpc, name), self.ticks)
                    # Until the real answer agrees with the settled state, look again at every tick.
                    expected = self._predicted.get((vpc, name))
                    if expected is not None and expected != r.kind:
                        self._recheck.add((vpc, name))
                    else:
                        self._recheck.discard((vpc, name))
            self.ticks += 1

    def _query_one(self, vpc: str, name: str) -> Classified:
        try:
            return self._as_classified(self.query(vpc, name))
        except Exception as exc:
            log.exception("sampler query %s %s failed", vpc, name)
            return Classified("error", f"query:{type(exc).__name__}")

    @staticmethod
    def _as_classified(r: Classified | str) -> Classified:
        return Classified(r) if isinstance(r, str) else r

    # -- results ---------------------------------------------------------------------------------

    def timeline(self) -> list[Sample]:
        with self._lock:
            return list(self._timeline)

    def lag(self) -> dict[str, Any]:
        """How far behind the sampler fell (simulated seconds) and how many ticks were late."""
        return {
            "ticks": self.ticks,
            "max_behind_seconds": self.max_behind,
            "late_ticks": self.late_ticks,
            "abandoned_ticks": self.abandoned_ticks,
            "error": self.error,
            "queries": self.queries,
            "settle_events": self.settle_events,
        }

    def summary(self) -> list[dict[str, Any]]:
        """One row per (vpc, name), in target order: the ``rehearse`` ``resolution`` rows plus
        ``watched`` (private at the first sample; only watched rows count downtime)."""
        rows: list[dict[str, Any]] = []
        with self._lock:
            for (vpc, name), samples in self._by_target.items():
                counts = dict.fromkeys(CLASSES, 0)
                for s, held in zip(samples, self._held_ticks(samples), strict=True):
                    counts[s.kind if s.kind in counts else "error"] += held
                watched = bool(samples) and samples[0].kind == "private"
                n_samples = sum(counts.values())
                not_private = n_samples - counts["private"]
                rows.append(
                    {
                        "vpc": vpc,
                        "name": name,
                        "samples": n_samples,
                        "private": counts["private"],
                        "public": counts["public"],
                        "nxdomain": counts["nxdomain"],
                        "other": not_private - counts["public"] - counts["nxdomain"],
                        "downtime_seconds": float(not_private * self.period) if watched else 0.0,
                        "watched": watched,
                    }
                )
        return rows

    def _held_ticks(self, samples: list[Sample]) -> list[int]:
        """Ticks each sample stands for: 1 each when every pair is sampled every tick; in events mode, the
        ticks until the pair's next sample (or the last tick), its class held in between (AS-5)."""
        if self.events is None or not samples:
            return [1] * len(samples)
        assert self._start is not None
        ks = [round((s.t - self._start) / self.period) for s in samples]
        return [b - a for a, b in zip(ks, [*ks[1:], self.ticks], strict=True)]

    def transitions(self) -> dict[tuple[str, str], list[tuple[float, str, str]]]:
        """Per (vpc, name): ``(t, from_class, to_class)`` at each sample whose class differs from
        the previous one (``t`` is the first sample with the new class)."""
        out: dict[tuple[str, str], list[tuple[float, str, str]]] = {}
        with self._lock:
            for target, samples in self._by_target.items():
                changes: list[tuple[float, str, str]] = []
                for prev, cur in zip(samples, samples[1:], strict=False):
                    if cur.kind != prev.kind:
                        changes.append((cur.t, prev.kind, cur.kind))
                out[target] = changes
        return out

    def bands(self) -> dict[tuple[str, str], list[tuple[float, float, str, str | None]]]:
        """Per (vpc, name): runs of equal (class, via) as ``(t_from, t_to, class, via)``, ``t_to``
        exclusive (last sample + period): what a report draws as coloured bands."""
        out: dict[tuple[str, str], list[tuple[float, float, str, str | None]]] = {}
        with self._lock:
            for target, samples in self._by_target.items():
                runs: list[tuple[float, float, str, str | None]] = []
                for s, held in zip(samples, self._held_ticks(samples), strict=True):
                    if runs and runs[-1][2] == s.kind and runs[-1][3] == s.via:
                        t0, _t1, kind, via = runs[-1]
                        runs[-1] = (t0, s.t + held * self.period, kind, via)
                    else:
                        runs.append((s.t, s.t + held * self.period, s.kind, s.via))
                out[target] = runs
        return out
