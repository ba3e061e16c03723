"""moto in server mode for the tests that check the twin over HTTP (as the CLI's ``twin serve`` runs it)."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from moto.moto_server.threaded_moto_server import ThreadedMotoServer


@dataclass(frozen=True)
class Served:
    """A running moto server: its URL and clients of it."""

    url: str
    region: str

    def client(self, service: str, **kwargs: Any) -> Any:
        return boto3.client(
            service,
            region_name=self.region,
            endpoint_url=self.url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            **kwargs,
        )


@contextmanager
def moto_server(region: str = "us-east-1") -> Iterator[Served]:
    """A ThreadedMotoServer on a free port of 127.0.0.1; on the way out its state is reset (the server
    shares moto's backends with this process) and it stops."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield Served(f"http://{host}:{port}", region)
    finally:
        try:
            reset = urllib.request.Request(f"http://{host}:{port}/moto-api/reset", method="POST")
            urllib.request.urlopen(reset).close()
        finally:
            server.stop()
