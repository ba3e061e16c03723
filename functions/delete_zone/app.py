"""Step action delete-zone (irreversible: only after the point of no return): idempotent, audited, polled by the state machine."""

from profile_migrator.handlers import step_handler

lambda_handler = step_handler("DeleteZone")
