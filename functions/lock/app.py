"""Per-endpoint locks (conditional writes) so two executions never migrate one endpoint."""

from profile_migrator.handlers import lock as lambda_handler

__all__ = ["lambda_handler"]
