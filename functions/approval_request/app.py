"""Approval request: keep the task token under a short approval id."""

from profile_migrator import approvals  # noqa: F401 (every invocation posts the request: loaded at init)
from profile_migrator.handlers import approval_request as lambda_handler

__all__ = ["lambda_handler"]
