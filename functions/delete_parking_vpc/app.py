"""Step action delete-parking-vpc: idempotent, audited, polled by the state machine."""

from profile_migrator.handlers import step_handler

lambda_handler = step_handler("DeleteParkingVpc")
