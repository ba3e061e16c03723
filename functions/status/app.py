"""Wait-and-poll: one status check of a step's asynchronous changes (AS-1, AS-2, AS-3)."""

import boto3  # noqa: F401  (first, at the top level: docs/benchmarks.md, "Cold imports")
from profile_migrator.handlers import status as lambda_handler

__all__ = ["lambda_handler"]
