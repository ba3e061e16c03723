"""Preflight: discover the estate, plan and prove the migration; refuse before any change."""

from profile_migrator.handlers import preflight as lambda_handler

__all__ = ["lambda_handler"]
