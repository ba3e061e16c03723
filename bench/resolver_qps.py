"""Queries per second one twin VPC resolver sustains, from one client process.

    .venv/bin/python bench/resolver_qps.py [--seconds 3] [--threads 4] [--inprocess]

Starts one :class:`twin.dns_server.VpcResolver` (in a child process by default, so the client's
GIL does not slow the server; ``--inprocess`` runs both in one process, as the twin does with its
sampler) and measures over UDP: sequential queries with a minimal raw-socket client, sequential
queries with dnspython, and N threads of raw-socket clients; plus sequential TCP on one connection
and the resolver's own work per query without sockets. Prints QPS and latency percentiles. The
figures depend on the machine's load: the client and the server share its cores. RES-9 caps a real ENI at 1024 packets/s to the VPC resolver: the
twin resolver must sustain well above what a sampler or probe asks of it.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import socket
import statistics
import struct
import threading
import time
from dataclasses import dataclass

import dns.message
import dns.query

from twin.dns_server import VpcResolver

NAME = "lambda.us-east-1.amazonaws.com"


@dataclass(frozen=True)
class _Answer:
    kind: str = "private"
    ips: tuple[str, ...] = ("10.0.0.5", "10.0.1.5")
    via: str = "zone:lambda-zone"
    negative_ttl: float = 900.0


_ANSWER = _Answer()


def answer_fn(vpc: str, qname: str, qtype: str) -> _Answer:
    return _ANSWER


def _query(qid: int) -> bytes:
    out = bytearray(struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0))
    for label in NAME.split("."):
        out.append(len(label))
        out += label.encode()
    out += b"\x00\x00\x01\x00\x01"
    return bytes(out)


def _serve(address: str, port: int, conn: mp.connection.Connection) -> None:
    resolver = VpcResolver("bench", answer_fn, address, port).start()
    conn.send(resolver.address)
    conn.recv()  # wait for "stop"
    resolver.stop()


def raw_udp(addr: tuple[str, int], seconds: float, latencies: list[float] | None = None) -> int:
    """Sequential: send one query, wait for its reply, repeat. Returns the number answered."""
    n = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(1.0)
        s.connect(addr)
        deadline = time.perf_counter() + seconds
        while (t0 := time.perf_counter()) < deadline:
            qid = n & 0xFFFF
            s.send(_query(qid))
            while True:
                reply = s.recv(512)
                if reply[:2] == struct.pack(">H", qid):
                    break
            n += 1
            if latencies is not None:
                latencies.append(time.perf_counter() - t0)
    return n


def dnspython_udp(addr: tuple[str, int], seconds: float) -> int:
    n = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        dns.query.udp(dns.message.make_query(NAME, "A"), addr[0], port=addr[1], timeout=1.0)
        n += 1
    return n


def tcp_sequential(addr: tuple[str, int], seconds: float) -> int:
    n = 0
    with socket.create_connection(addr, timeout=1.0) as s:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            q = _query(n & 0xFFFF)
            s.sendall(struct.pack(">H", len(q)) + q)
            (length,) = struct.unpack(">H", _recv_exact(s, 2))
            _recv_exact(s, length)
            n += 1
    return n


def _recv_exact(s: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("server closed the connection")
        buf += chunk
    return buf


def threaded_udp(addr: tuple[str, int], seconds: float, threads: int) -> int:
    counts = [0] * threads

    def run(i: int) -> None:
        counts[i] = raw_udp(addr, seconds)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(counts)


def handle_only(seconds: float) -> int:
    """The resolver's own work per query (parse, decide, cached reply), without any socket."""
    resolver = VpcResolver("bench", answer_fn, "127.0.9.251", 0)  # never started: no socket
    n = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for _ in range(100):
            resolver.handle(_query(n & 0xFFFF))
            n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each measurement")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--address", default="127.0.9.250", help="loopback address of the resolver")
    parser.add_argument("--port", type=int, default=0, help="0 = a free port")
    parser.add_argument("--inprocess", action="store_true", help="server and client in one process")
    args = parser.parse_args()

    proc: mp.Process | None = None
    resolver: VpcResolver | None = None
    parent: mp.connection.Connection | None = None
    if args.inprocess:
        resolver = VpcResolver("bench", answer_fn, args.address, args.port).start()
        addr = resolver.address
    else:
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_serve, args=(args.address, args.port, child), daemon=True)
        proc.start()
        addr = tuple(parent.recv())
    try:
        raw_udp(addr, 0.3)  # warm up (reply cache, branch caches)
        latencies: list[float] = []
        rows = [
            ("UDP sequential, raw socket", raw_udp(addr, args.seconds, latencies)),
            ("UDP sequential, dnspython", dnspython_udp(addr, args.seconds)),
            (f"UDP {args.threads} threads, raw sockets", threaded_udp(addr, args.seconds, args.threads)),
            ("TCP sequential, one connection", tcp_sequential(addr, args.seconds)),
        ]
        rows.append(("handle() alone, no socket (CPU bound)", handle_only(args.seconds)))
        where = "same process" if args.inprocess else "server in a child process"
        print(f"VpcResolver at {addr[0]}:{addr[1]} ({where}), {args.seconds:g} s per measurement")
        for label, n in rows:
            print(f"  {label:<40} {n / args.seconds:>9,.0f} queries/s")
        lat = sorted(latencies)
        p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1e6  # noqa: E731
        print(
            f"  UDP latency (raw, sequential): median {statistics.median(lat) * 1e6:.0f} µs, "
            f"p99 {p(0.99):.0f} µs, max {lat[-1] * 1e6:.0f} µs"
        )
    finally:
        if resolver is not None:
            resolver.stop()
        if proc is not None and parent is not None:
            parent.send("stop")
            proc.join(5)


if __name__ == "__main__":
    main()
