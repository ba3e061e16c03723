"""Per-VPC DNS resolvers on loopback: the twin's Route 53 Resolver ("AmazonProvidedDNS").

Each VPC of a scenario gets one :class:`VpcResolver`, a real DNS server (UDP and TCP) on its own
loopback address, so that ``dig @127.0.1.2 lambda.us-east-1.amazonaws.com`` asks "the dev VPC".
What a name resolves to is not decided here: the resolver asks an *answer function*
``answer_fn(vpc, qname, "A")`` (the project's one resolution model, rules RES-1..RES-8; ``qname``
lower-cased, without the trailing dot) and adds what belongs to the resolver itself:

- RES-4: NXDOMAIN and NODATA answers carry the zone's SOA in the authority section;
- RES-10: an optional negative cache (``negative_cache_ttl`` simulated seconds, default 0 = off);
- RES-11: a VPC without DNS support gets no answer at all (the query is dropped);
- the scenario fault ``resolver-outage`` (SERVFAIL between ``from`` and ``to``).

Only A answers come from the model; AAAA is answered from the IPv6 addresses among the answer's
``ips`` (NODATA when there are none) and every other type is NODATA (or NXDOMAIN / SERVFAIL, as the
A answer is). :class:`ResolverFleet` runs one resolver per VPC on consecutive loopback addresses.

Each resolver is one thread with one ``selectors`` loop over its UDP socket, its TCP listener and
its TCP connections. Packed replies are cached by (question, answer) so a hot name costs a dict
lookup, not a dnslib round trip.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import selectors
import socket
import struct
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

from dnslib import AAAA, EDNS0, QTYPE, RCODE, RR, SOA, A, DNSHeader, DNSLabel, DNSQuestion, DNSRecord

from twin.clock import SimClock, get_clock
from twin.config import get_settings

log = logging.getLogger(__name__)

__all__ = [
    "Answer",
    "AnswerFn",
    "ResolverFleet",
    "Served",
    "VpcResolver",
]


class Answer(Protocol):
    """What the resolution model says a VPC gets for a name (``profile_migrator.resolution``).

    ``kind``: private | public | nxdomain | nodata | servfail | noanswer. An object may also carry
    ``zone_name`` (the apex of the zone that answered), used as the SOA owner; without it the SOA
    is owned by the query name.
    """

    @property
    def kind(self) -> str: ...

    @property
    def ips(self) -> tuple[str, ...]: ...

    @property
    def via(self) -> str: ...

    @property
    def negative_ttl(self) -> float: ...


AnswerFn = Callable[[str, str, str], Answer]


@dataclass(frozen=True)
class Served:
    """What a resolver did for one query, after faults and its negative cache."""

    kind: str  # private | public | nxdomain | nodata | servfail | noanswer
    via: str  # the model's `via`, "fault:resolver-outage", "negative-cache:<via>", "error:<exc>"
    ips: tuple[str, ...] = ()
    negative_ttl: float = 900.0
    zone_name: str | None = None


# Route 53's default SOA for a hosted zone ("ns-… awsdns-hostmaster.amazon.com. 1 7200 900 1209600
# 86400", TTL 900); the negative TTL of the answer replaces TTL and minimum (RES-10).
_SOA_MNAME = "ns-1536.awsdns-00.co.uk."
_SOA_RNAME = "awsdns-hostmaster.amazon.com."
_DEFAULT_NEGATIVE_TTL = 900.0
_PRIVATE_KINDS = frozenset({"private", "nxdomain", "nodata"})
_HEADER = struct.Struct(">HHHHHH")
_QTAIL = struct.Struct(">HH")
_OPT = 41
_MAX_CACHE = 8192
_RECENT = 4096
_TCP_IDLE = 10.0  # real seconds a TCP connection may stay silent
_TCP_MAX_CONNS = 256


@dataclass(frozen=True)
class _Query:
    qid: int
    flags: int
    question: bytes  # the question section as received (name case preserved, 0x20-safe)
    qname: str  # dotted, as received, without the trailing dot
    qtype: int
    qclass: int
    edns: bool


def _parse_query(data: bytes) -> _Query | None:
    """Parse header and the single question by hand (dnslib's parser costs ~25 µs a query)."""
    if len(data) < 12:
        return None
    qid, flags, qdcount, _ancount, _nscount, arcount = _HEADER.unpack_from(data)
    if qdcount != 1:
        return None
    off = 12
    labels: list[str] = []
    while True:
        if off >= len(data):
            return None
        n = data[off]
        if n == 0:
            off += 1
            break
        if n & 0xC0:  # compression pointer inside a question: not from a sane client
            return None
        labels.append(data[off + 1 : off + 1 + n].decode("ascii", "replace"))
        off += 1 + n
    if off + 4 > len(data):
        return None
    qtype, qclass = _QTAIL.unpack_from(data, off)
    question = data[12 : off + 4]
    off += 4
    edns = False
    if arcount:  # an OPT pseudo-record is "root name, type 41" (usually the only additional record)
        edns = off + 3 <= len(data) and data[off] == 0 and data[off + 1 : off + 3] == b"\x00\x29"
    return _Query(qid, flags, question, ".".join(labels), qtype, qclass, edns)


def _error_reply(data: bytes, rcode: int) -> bytes | None:
    """FORMERR / NOTIMP / REFUSED echoing whatever header we can read."""
    if len(data) < 12:
        return None
    qid, flags = struct.unpack_from(">HH", data)
    rd = flags & 0x0100
    opcode = flags & 0x7800
    return _HEADER.pack(qid, 0x8000 | opcode | rd | 0x0080 | rcode, 0, 0, 0, 0)


class VpcResolver:
    """One VPC's resolver: a DNS server on ``(address, port)`` answering from ``answer_fn``.

    ``port`` 0 picks a free port (same number for UDP and TCP). ``start`` is the simulated time of
    the rehearsal start: ``resolver-outage`` windows are ``start + from .. start + to``.
    ``negative_cache_ttl`` None reads ``get_settings().negative_cache_ttl`` at each NXDOMAIN.
    ``clock`` None uses the process clock (:func:`twin.clock.get_clock`) at each query.
    ``answer_ttl`` is the TTL of A/AAAA records (Route 53 gives endpoint alias records 60 s).
    """

    def __init__(
        self,
        vpc: str,
        answer_fn: AnswerFn,
        address: str = "127.0.1.1",
        port: int = 53,
        *,
        start: float = 0.0,
        clock: SimClock | None = None,
        negative_cache_ttl: float | None = None,
        answer_ttl: int = 60,
    ) -> None:
        if not ipaddress.IPv4Address(address).is_loopback:
            raise ValueError(f"VpcResolver binds loopback addresses only, got {address}")
        self.vpc = vpc
        self.answer_fn = answer_fn
        self.start_offset = start
        self.answer_ttl = answer_ttl
        self._address = address
        self._port = port
        self._clock = clock
        self._negative_cache_ttl = negative_cache_ttl
        self._lock = threading.Lock()
        self._negative: dict[str, tuple[float, Served]] = {}  # name -> (expiry, the NXDOMAIN served)
        self._recent: OrderedDict[tuple[int, str], Served] = OrderedDict()
        self._packed: dict[tuple[Any, ...], bytes] = {}
        self._udp: socket.socket | None = None
        self._tcp: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.stats: dict[str, int] = {"udp": 0, "tcp": 0, "dropped": 0, "servfail": 0, "errors": 0}

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def address(self) -> tuple[str, int]:
        """``(ip, port)``; after :meth:`start` the port is the bound one (even if 0 was asked)."""
        return self._address, self._port

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> VpcResolver:
        if self.running:
            raise RuntimeError(f"resolver for {self.vpc} already started")
        self._stopping.clear()
        self._udp, self._tcp = self._bind()
        self._port = self._udp.getsockname()[1]
        self._thread = threading.Thread(
            target=self._serve, name=f"dns-{self.vpc}@{self._address}:{self._port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving, join the thread and close every socket. Idempotent."""
        self._stopping.set()
        if self._udp is not None:  # wake the loop with an empty datagram (no extra fds per resolver)
            with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.sendto(b"", (self._address, self._port))
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():  # pragma: no cover - would be a bug in _serve
                log.warning("resolver thread for %s did not stop in %.1fs", self.vpc, timeout)
        for sock in (self._udp, self._tcp):
            if sock is not None:
                with contextlib.suppress(OSError):
                    s.close()
        self._udp = self._tcp = None
        self._thread = None

    def __enter__(self) -> VpcResolver:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _bind(self) -> tuple[socket.socket, socket.socket]:
        attempts = 20 if self._port == 0 else 1
        for attempt in range(attempts):
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                udp.bind((self._address, self._port))
                port = udp.getsockname()[1]
                tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                tcp.bind((self._address, port))
                tcp.listen(64)
            except OSError:
                udp.close()
                tcp.close()
                if attempt == attempts - 1:
                    raise
                continue
            udp.setblocking(False)
            tcp.setblocking(False)
            with contextlib.suppress(OSError):
                udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            return udp, tcp
        raise AssertionError("unreachable")  # pragma: no cover

    # -- the decision ----------------------------------------------------------------------------

    @property
    def clock(self) -> SimClock:
        return self._clock if self._clock is not None else get_clock()

    def negative_cache_ttl(self) -> float:
        if self._negative_cache_ttl is not None:
            return self._negative_cache_ttl
        return float(get_settings().negative_cache_ttl)

    def in_outage(self, now: float | None = None) -> bool:
        """True while a ``resolver-outage`` fault for this VPC is active (``from`` <= t < ``to``)."""
        t = self.clock.now() if now is None else now
        for _i, fault in get_settings().faults_of("resolver-outage"):
            if self.vpc not in (fault.get("vpc"), fault.get("vpc_id")):
                continue
            lo = self.start_offset + float(fault.get("from", 0.0))
            hi = self.start_offset + float(fault.get("to", float("inf")))
            if lo <= t < hi:
                return True
        return False

    def resolve(self, qname: str) -> Served:
        """Decide the answer for ``qname`` (any type) now; the wire format is built from this."""
        key = qname.rstrip(".").lower()  # DNS names are case-insensitive (and clients use 0x20)
        try:
            answer = self.answer_fn(self.vpc, key, "A")
            kind = answer.kind
        except Exception as exc:  # the model failing must not kill the server: SERVFAIL
            log.exception("answer_fn failed for %s %s", self.vpc, key)
            self.stats["errors"] += 1
            return Served("servfail", f"error:{type(exc).__name__}")
        if kind == "noanswer":  # RES-11: no DNS support, the resolver does not answer at all
            return Served("noanswer", answer.via)
        now = self.clock.now()
        if self.in_outage(now):  # fault resolver-outage
            return Served("servfail", "fault:resolver-outage")
        with self._lock:
            cached = self._negative.get(key)
            if cached is not None:
                expiry, served = cached
                if now < expiry:  # RES-10: a cached NXDOMAIN outlives the state that produced it
                    return served
                del self._negative[key]
        served = Served(
            kind,
            answer.via,
            tuple(answer.ips or ()),
            float(getattr(answer, "negative_ttl", _DEFAULT_NEGATIVE_TTL) or 0.0),
            getattr(answer, "zone_name", None),
        )
        if kind == "nxdomain":
            ttl = self.negative_cache_ttl()
            if ttl > 0:  # RES-10
                cached_served = Served(
                    "nxdomain", f"negative-cache:{answer.via}", (), served.negative_ttl, served.zone_name
                )
                with self._lock:
                    self._negative[key] = (now + ttl, cached_served)
        return served

    def clear_negative_cache(self) -> None:
        with self._lock:
            self._negative.clear()

    def served(self, qid: int, qname: str) -> Served | None:
        """What this resolver served to the recent query with this id and name (if remembered)."""
        with self._lock:
            return self._recent.get((qid, qname.rstrip(".").lower()))

    def via_of(self, qid: int, qname: str) -> str | None:
        s = self.served(qid, qname)
        return s.via if s is not None else None

    # -- wire ------------------------------------------------------------------------------------

    def handle(self, data: bytes, max_udp: int | None = 512) -> bytes | None:
        """One DNS message in, the reply out (None: drop it). ``max_udp`` None for TCP."""
        if len(data) < 12 or data[2] & 0x80:  # not even a header, or a response: ignore
            return None
        q = _parse_query(data)
        if q is None:
            return _error_reply(data, RCODE.FORMERR)
        if q.flags & 0x7800:  # opcode other than QUERY
            return _error_reply(data, RCODE.NOTIMP)
        if q.qclass not in (1, 255):  # IN / ANY
            return _error_reply(data, RCODE.REFUSED)
        served = self.resolve(q.qname)
        with self._lock:
            self._recent[(q.qid, q.qname.lower())] = served
            if len(self._recent) > _RECENT:
                self._recent.popitem(last=False)
        if served.kind == "noanswer":
            self.stats["dropped"] += 1
            return None
        if served.kind == "servfail":
            self.stats["servfail"] += 1
        rd = q.flags & 0x0100
        limit = (4096 if q.edns else 512) if max_udp is not None else None
        key = (
            q.question,
            rd,
            q.edns,
            limit,
            served.kind,
            served.ips,
            served.negative_ttl,
            served.zone_name,
            served.via.startswith("public"),
            self.answer_ttl,
        )
        packed = self._packed.get(key)
        if packed is None:
            packed = self._build(q, served, limit)
            if len(self._packed) >= _MAX_CACHE:
                self._packed.clear()
            self._packed[key] = packed
        return struct.pack(">H", q.qid) + packed[2:]

    def _build(self, q: _Query, served: Served, limit: int | None) -> bytes:
        qname = DNSLabel(q.qname)
        public = served.via.startswith("public")
        aa = int(served.kind in _PRIVATE_KINDS and not public)  # private zones are authoritative here
        rcode = {"nxdomain": RCODE.NXDOMAIN, "servfail": RCODE.SERVFAIL}.get(served.kind, RCODE.NOERROR)
        header = DNSHeader(id=0, qr=1, aa=aa, ra=1, rd=(q.flags >> 8) & 1, rcode=rcode)
        reply = DNSRecord(header, q=DNSQuestion(qname, q.qtype, q.qclass))
        if served.kind in ("private", "public"):
            for ip in served.ips:
                addr = ipaddress.ip_address(ip)
                if addr.version == 4 and q.qtype in (QTYPE.A, QTYPE.ANY):
                    reply.add_answer(RR(qname, QTYPE.A, ttl=self.answer_ttl, rdata=A(ip)))
                elif addr.version == 6 and q.qtype in (QTYPE.AAAA, QTYPE.ANY):
                    reply.add_answer(RR(qname, QTYPE.AAAA, ttl=self.answer_ttl, rdata=AAAA(ip)))
        if served.kind != "servfail" and not reply.rr:  # NXDOMAIN or NODATA: SOA in authority (RES-4)
            neg = max(0, round(served.negative_ttl))
            owner = DNSLabel(served.zone_name) if served.zone_name else qname
            soa = SOA(_SOA_MNAME, _SOA_RNAME, (1, 7200, 900, 1209600, neg))
            reply.add_auth(RR(owner, QTYPE.SOA, ttl=neg, rdata=soa))
        if q.edns:
            reply.add_ar(EDNS0(udp_len=4096))
        packed = bytes(reply.pack())
        if limit is not None and len(packed) > limit:  # too big for UDP: truncate, client retries on TCP
            header.tc = 1
            packed = bytes(DNSRecord(header, q=DNSQuestion(qname, q.qtype, q.qclass)).pack())
        return packed

    # -- server loop -----------------------------------------------------------------------------

    def _serve(self) -> None:
        assert self._udp is not None and self._tcp is not None
        sel = selectors.DefaultSelector()
        sel.register(self._udp, selectors.EVENT_READ, "udp")
        sel.register(self._tcp, selectors.EVENT_READ, "accept")
        conns: dict[socket.socket, tuple[bytearray, float]] = {}
        try:
            while not self._stopping.is_set():
                for key, _mask in sel.select(timeout=1.0):
                    tag = key.data
                    if tag == "udp":
                        self._on_udp()
                    elif tag == "accept":
                        self._on_accept(sel, conns)
                    elif tag == "conn":
                        self._on_conn(sel, conns, key.fileobj)  # type: ignore[arg-type]
                now = time.monotonic()
                for conn in [c for c, (_b, seen) in conns.items() if now - seen > _TCP_IDLE]:
                    self._close_conn(sel, conns, conn)
        except Exception:  # pragma: no cover - keep the reason in the log, never die silently
            log.exception("resolver %s crashed", self.vpc)
        finally:
            for conn in list(conns):
                self._close_conn(sel, conns, conn)
            sel.close()

    def _on_udp(self) -> None:
        assert self._udp is not None
        for _ in range(256):  # drain what is queued, then go back to select
            try:
                data, peer = self._udp.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # e.g. ICMP port unreachable from a client that went away
                continue
            if not data:  # stop()'s wake-up call
                continue
            self.stats["udp"] += 1
            reply = self.handle(data, max_udp=512)
            if reply is not None:
                with contextlib.suppress(OSError):
                    self._udp.sendto(reply, peer)

    def _on_accept(
        self, sel: selectors.BaseSelector, conns: dict[socket.socket, tuple[bytearray, float]]
    ) -> None:
        assert self._tcp is not None
        try:
            conn, _peer = self._tcp.accept()
        except (BlockingIOError, InterruptedError, OSError):
            return
        if len(conns) >= _TCP_MAX_CONNS:
            conn.close()
            return
        conn.setblocking(False)
        conns[conn] = (bytearray(), time.monotonic())
        sel.register(conn, selectors.EVENT_READ, "conn")

    def _on_conn(
        self,
        sel: selectors.BaseSelector,
        conns: dict[socket.socket, tuple[bytearray, float]],
        conn: socket.socket,
    ) -> None:
        try:
            chunk = conn.recv(65535)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._close_conn(sel, conns, conn)
            return
        buf, _seen = conns[conn]
        buf += chunk
        conns[conn] = (buf, time.monotonic())
        while len(buf) >= 2:
            (n,) = struct.unpack_from(">H", buf)
            if len(buf) < 2 + n:
                break
            msg = bytes(buf[2 : 2 + n])
            del buf[: 2 + n]
            self.stats["tcp"] += 1
            reply = self.handle(msg, max_udp=None)
            if reply is None:  # RES-11 over TCP: keep the connection, never answer
                continue
            try:
                conn.sendall(struct.pack(">H", len(reply)) + reply)
            except OSError:  # client gone or not reading
                self._close_conn(sel, conns, conn)
                return

    @staticmethod
    def _close_conn(
        sel: selectors.BaseSelector, conns: dict[socket.socket, tuple[bytearray, float]], conn: socket.socket
    ) -> None:
        conns.pop(conn, None)
        with contextlib.suppress(KeyError, ValueError, OSError):
            sel.unregister(conn)
        with contextlib.suppress(OSError):
            conn.close()


def _addresses(first: str) -> Iterable[str]:
    """127.0.1.1, 127.0.1.2, … skipping .0 and .255 host parts; stays inside 127.0.0.0/8."""
    addr = ipaddress.IPv4Address(first)
    while addr.is_loopback:
        if addr.packed[-1] not in (0, 255):
            yield str(addr)
        addr += 1
    raise RuntimeError("out of loopback addresses")


class ResolverFleet:
    """One :class:`VpcResolver` per VPC, on consecutive loopback addresses from ``first_address``.

    VPCs can be added (and removed) while the fleet runs: a VPC created during a rehearsal gets the
    next address. Addresses are never reused within one fleet.
    """

    def __init__(
        self,
        vpcs: Iterable[str],
        answer_fn: AnswerFn,
        *,
        first_address: str = "127.0.1.1",
        port: int = 53,
        start: float = 0.0,
        clock: SimClock | None = None,
        negative_cache_ttl: float | None = None,
        answer_ttl: int = 60,
    ) -> None:
        self.answer_fn = answer_fn
        self.port = port
        self._start_offset = start
        self._clock = clock
        self._negative_cache_ttl = negative_cache_ttl
        self._answer_ttl = answer_ttl
        self._next = iter(_addresses(first_address))
        self._resolvers: dict[str, VpcResolver] = {}
        self._lock = threading.Lock()
        self._running = False
        for vpc in vpcs:
            self.add(vpc)

    @property
    def vpcs(self) -> list[str]:
        return list(self._resolvers)

    @property
    def start_offset(self) -> float:
        return self._start_offset

    @start_offset.setter
    def start_offset(self, value: float) -> None:
        """The simulated time of the rehearsal start (``resolver-outage`` windows count from it)."""
        self._start_offset = value
        for r in self._resolvers.values():
            r.start_offset = value

    def add(self, vpc: str) -> tuple[str, int]:
        """Give ``vpc`` a resolver on the next address (started at once if the fleet runs)."""
        with self._lock:
            if vpc in self._resolvers:
                return self._resolvers[vpc].address
            resolver = VpcResolver(
                vpc,
                self.answer_fn,
                next(self._next),
                self.port,
                start=self._start_offset,
                clock=self._clock,
                negative_cache_ttl=self._negative_cache_ttl,
                answer_ttl=self._answer_ttl,
            )
            if self._running:
                resolver.start()
            self._resolvers[vpc] = resolver
            return resolver.address

    def remove(self, vpc: str) -> None:
        with self._lock:
            resolver = self._resolvers.pop(vpc, None)
        if resolver is not None:
            resolver.stop()

    def resolver(self, vpc: str) -> VpcResolver:
        return self._resolvers[vpc]

    def address_of(self, vpc: str) -> tuple[str, int]:
        """``(ip, port)`` of the VPC's resolver (KeyError for an unknown VPC)."""
        return self._resolvers[vpc].address

    def served(self, vpc: str, qid: int, qname: str) -> Served | None:
        """What ``vpc``'s resolver served to a recent query (id, name): lets a client learn `via`."""
        resolver = self._resolvers.get(vpc)
        return resolver.served(qid, qname) if resolver is not None else None

    def start(self) -> ResolverFleet:
        with self._lock:
            started: list[VpcResolver] = []
            try:
                for r in self._resolvers.values():
                    if not r.running:
                        r.start()
                        started.append(r)
            except Exception:
                for r in started:
                    r.stop()
                raise
            self._running = True
        return self

    def stop(self) -> None:
        with self._lock:
            self._running = False
            resolvers = list(self._resolvers.values())
        for r in resolvers:
            r.stop()

    def __enter__(self) -> ResolverFleet:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
