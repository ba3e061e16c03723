"""Per-endpoint locks (conditional writes) so two executions never migrate one endpoint."""

import boto3  # noqa: F401  (first, at the top level: docs/benchmarks.md, "Cold imports")
from profile_migrator.handlers import lock as lambda_handler

__all__ = ["lambda_handler"]
