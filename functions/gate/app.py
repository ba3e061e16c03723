"""Probe gate: invoke each gated VPC's probe; N consecutive private answers pass."""

import boto3  # noqa: F401  (first, at the top level: docs/benchmarks.md, "Cold imports")
from profile_migrator.handlers import gate as lambda_handler

__all__ = ["lambda_handler"]
