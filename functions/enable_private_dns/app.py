"""Step action enable-private-dns (and disable-private-dns, its inverse): idempotent, audited, polled by the state machine."""

from profile_migrator.handlers import step_handler

lambda_handler = step_handler("EnablePrivateDns")
