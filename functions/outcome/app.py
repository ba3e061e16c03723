"""Outcome: a failed step in words a person can act on; the warnings of a run that passed the point of no return."""

import boto3  # noqa: F401  (first, at the top level: docs/benchmarks.md, "Cold imports")
from profile_migrator.handlers import outcome as lambda_handler

__all__ = ["lambda_handler"]
