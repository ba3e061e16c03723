"""A local stand-in of the Slack Web API on loopback: ``chat.postMessage`` and ``chat.update``.

Serves ``http://127.0.0.1:<free port>/api/<method>`` (what ``SLACK_API_URL`` points the project's
functions at in the twin). Requests must carry ``Authorization: Bearer <bot token>``; answers are Slack's
shape (``{"ok": true, "channel", "ts", "message"}`` or ``{"ok": false, "error"}``). Every posted message is
recorded (with its updates) so the twin's approver can click its buttons.
"""

from __future__ import annotations

import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)  # each chat.update body, in order


class SlackStandIn:
    """The Web API's two chat methods on 127.0.0.1, recording messages."""

    def __init__(self, bot_token: str) -> None:
        self.bot_token = bot_token
        self.messages: list[Message] = []
        self.calls: list[str] = []  # method names, in order (invalid calls included)
        self._cond = threading.Condition()
        self._seq = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> SlackStandIn:
        stand_in = self

        class _Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                stand_in._serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="twin-slack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def url(self) -> str:
        """The ``SLACK_API_URL`` of this stand-in."""
        assert self._server is not None, "start() first"
        host, port = self._server.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}/api"

    # -- what the approver reads -------------------------------------------------------------------------
    def wait_for_messages(self, seen: int, timeout: float) -> list[Message]:
        """Messages posted after the first ``seen`` ones (waits up to ``timeout`` s for one)."""
        with self._cond:
            self._cond.wait_for(lambda: len(self.messages) > seen, timeout=timeout)
            return list(self.messages[seen:])

    def find(self, channel: str, ts: str) -> Message | None:
        with self._cond:
            return next((m for m in self.messages if m.channel == channel and m.ts == ts), None)

    # -- the API -----------------------------------------------------------------------------------------
    def _serve(self, req: BaseHTTPRequestHandler) -> None:
        method = req.path.rsplit("/", 1)[-1]
        length = int(req.headers.get("Content-Length") or 0)
        raw = req.rfile.read(length) if length else b""
        with self._cond:
            self.calls.append(method)
        auth = req.headers.get("Authorization", "")
        if not hmac.compare_digest(auth.encode(), f"Bearer {self.bot_token}".encode()):
            answer: dict[str, Any] = {"ok": False, "error": "invalid_auth"}
        else:
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = None
            if not isinstance(body, dict):
                answer = {"ok": False, "error": "invalid_json"}
            elif method == "chat.postMessage":
                answer = self._post(body)
            elif method == "chat.update":
                answer = self._update(body)
            else:
                answer = {"ok": False, "error": "unknown_method"}
        data = json.dumps(answer).encode()
        req.send_response(200)  # Slack answers errors with 200 and ok: false
        req.send_header("Content-Type", "application/json; charset=utf-8")
        req.send_header("Content-Length", str(len(data)))
        req.end_headers()
        req.wfile.write(data)

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        channel = str(body.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not body.get("text") and not body.get("blocks"):
            return {"ok": False, "error": "no_text"}
        with self._cond:
            ts = f"{int(time.time())}.{next(self._seq):06d}"
            msg = Message(
                channel,
                ts,
                str(body.get("text", "")),
                list(body.get("blocks") or []),
                dict(body.get("metadata") or {}),
            )
            self.messages.append(msg)
            self._cond.notify_all()
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "message": {"type": "message", "text": msg.text, "blocks": msg.blocks, "ts": ts},
        }

    def _update(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._cond:
            msg = next(
                (m for m in self.messages if m.channel == body.get("channel") and m.ts == body.get("ts")),
                None,
            )
            if msg is None:
                return {"ok": False, "error": "message_not_found"}
            msg.updates.append(body)
            if "text" in body:
                msg.text = str(body["text"])
            if "blocks" in body:
                msg.blocks = list(body["blocks"] or [])
            self._cond.notify_all()
        return {"ok": True, "channel": msg.channel, "ts": msg.ts, "text": msg.text}
