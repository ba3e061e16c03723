"""Compensation plan: the inverses of what the audit trail says was done."""

from profile_migrator.handlers import compensate as lambda_handler

__all__ = ["lambda_handler"]
