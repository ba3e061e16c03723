"""Step action authorize-vpc-association (and revoke-vpc-association, its inverse): idempotent, audited, polled by the state machine."""

from profile_migrator.handlers import step_handler

lambda_handler = step_handler("AuthorizeVpcAssociation")
