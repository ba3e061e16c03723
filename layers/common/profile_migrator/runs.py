"""The run's records every function of a run reads — the run table's name, the run's documents (the
context by reference, SF-5), the approval tokens — without the step machinery of :mod:`.runtime`
(:mod:`.actions` and its AWS adapters), so the approval-request function loads only what it uses.
:mod:`.runtime` re-exports these names.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from typing import Any, TypeVar

from .aws import objects, store
from .aws.session import Account, tool_account
from .models import ApprovalRequest, Ctx, RunEvent, RunRef


def table_name() -> str:
    return os.environ.get("TABLE_NAME", "profile-migrator")


def _tool() -> Account:
    """The function's own credentials in the stack's Region: the run table, the run bucket. Never the
    input's Region: the audit trail, locks and approvals live where the stack is, whatever the estate's."""
    return tool_account()


# -- The run's documents (S3) -------------------------------------------------------------------------------
# SF-5: a state's input/output is at most 256 KiB, so the plan and the discovered context live in the run
# bucket (runs/<execution>/...) and the state carries a RunRef. Written once per run, never changed: each
# container caches what it read.


class RunMissing(Exception):
    """The run's documents cannot be found (no bucket configured, or the event names none)."""


def run_bucket() -> str:
    return os.environ.get("RUN_BUCKET", "")


_docs: dict[tuple[str, str], Any] = {}
_docs_lock = threading.Lock()


def load_doc(run: RunRef, name: str) -> Any:
    key = (run.bucket, run.prefix + name)
    with _docs_lock:
        if key in _docs:
            return _docs[key]
    doc = objects.get_json(_tool(), run.bucket, run.prefix + name)
    with _docs_lock:
        if len(_docs) > 64:
            _docs.clear()
        _docs[key] = doc
    return doc


def load_ctx(run: RunRef) -> Ctx:
    return Ctx.model_validate(load_doc(run, "context.json")["ctx"])


E = TypeVar("E", bound=RunEvent)


def with_ctx(ev: E) -> E:
    """The event with its context: as given, or read from the run's documents."""
    if ev.ctx is not None:
        return ev
    if ev.run is None:
        raise RunMissing("the event has neither ctx nor run")
    return ev.model_copy(update={"ctx": load_ctx(ev.run)})


def ctx_of(ev: RunEvent) -> Ctx:
    ctx = with_ctx(ev).ctx
    assert ctx is not None
    return ctx


# SF-1: an approval cannot outlive the longest approval timeout of the input (7 days).
APPROVAL_LIFETIME = 7 * 24 * 3600


def request_approval(ev: ApprovalRequest) -> dict[str, Any]:
    """Store the task token under a short approval id with an expiry (the token never leaves the table)."""
    home = _tool()
    approval_id = uuid.uuid4().hex[:12]
    expires = time.time() + APPROVAL_LIFETIME
    doc = {
        "token": ev.token,
        "step": ev.step,
        "execution": ev.execution,
        "status": "pending",
        "expires_at": expires,
        # DynamoDB deletes the record (and its token) a day after it expired (the table's TTL attribute)
        store.TTL_ATTRIBUTE: int(expires + 24 * 3600),
    }
    store.put_json(home, table_name(), f"approval#{approval_id}", "approval", doc)
    return {"approval_id": approval_id}
