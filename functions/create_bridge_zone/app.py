"""Step action create-bridge-zone (Q-1: a tagged copy of the zone for VPCs past its limit) / its undo delete-bridge-zone: idempotent, audited, polled by the state machine."""

import boto3  # noqa: F401  (first, at the top level: docs/benchmarks.md, "Cold imports")
from profile_migrator.handlers import step_handler

lambda_handler = step_handler("CreateBridgeZone")
