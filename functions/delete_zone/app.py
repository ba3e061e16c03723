"""Step action delete-zone (and create-zone, its inverse): idempotent, audited, polled by the state machine."""

from profile_migrator.handlers import step_handler

lambda_handler = step_handler("delete-zone", "create-zone")
