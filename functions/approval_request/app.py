"""Approval request: keep the task token under a short approval id, post the request to Slack / SNS.

Imports :mod:`profile_migrator.approval_handler` (approvals, the run's records), not the step machinery.
Our modules are imported by their dotted name, never as ``from profile_migrator import approvals``: on
CPython 3.11 a submodule reached through a from-import's name list that first loads botocore costs ~10%
more CPU for the same modules (docs/benchmarks.md).
"""

from profile_migrator.approval_handler import approval_request as lambda_handler

__all__ = ["lambda_handler"]
