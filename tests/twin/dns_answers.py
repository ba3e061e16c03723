"""What the DNS tests' stand-in resolution models answer (shared by the DNS server and sampler tests)."""

from __future__ import annotations

from dataclasses import dataclass

NAME = "lambda.us-east-1.amazonaws.com"
PRIVATE = ("10.0.0.5", "10.0.1.5")


@dataclass(frozen=True)
class Ans:
    """An answer the resolution model gives (the fields the DNS server and the sampler read)."""

    kind: str
    ips: tuple[str, ...] = ()
    via: str = "zone:lambda-zone"
    negative_ttl: float = 900.0
