"""Preflight: discover the estate, plan and prove the migration; refuse before any change."""

import boto3  # noqa: F401  (first, at the top level: docs/benchmarks.md, "Cold imports")
from profile_migrator.handlers import preflight as lambda_handler

__all__ = ["lambda_handler"]
