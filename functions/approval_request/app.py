"""Approval request: keep the task token under a short approval id, post the request to Slack / SNS.

Imports :mod:`profile_migrator.approval_handler` (approvals, the run's records), not the step machinery.
"""

import boto3  # noqa: F401  (first, at the top level: docs/benchmarks.md, "Cold imports")
from profile_migrator.approval_handler import approval_request as lambda_handler

__all__ = ["lambda_handler"]
