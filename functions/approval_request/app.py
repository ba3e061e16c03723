"""Approval request: keep the task token under a short approval id."""

# Every invocation posts the request: loaded at init. Imported by its dotted name, not as
# ``from profile_migrator import approvals``: on CPython 3.11 a submodule reached through a from-import's
# name list that first loads botocore costs ~10% more CPU for the same modules (docs/benchmarks.md).
import profile_migrator.approvals  # noqa: F401
from profile_migrator.handlers import approval_request as lambda_handler

__all__ = ["lambda_handler"]
