"""Compensation plan: the inverses of what the audit trail says was done."""

import boto3  # noqa: F401  (first, at the top level: docs/benchmarks.md, "Cold imports")
from profile_migrator.handlers import compensate as lambda_handler

__all__ = ["lambda_handler"]
