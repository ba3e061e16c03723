"""Tags the tool reads and writes on AWS resources (a leaf module: the step functions import it without
the planner)."""

# The tag the tool puts on the parking VPCs it creates: what carries it is the tool's own, empty VPC
# (reused by a later run after an abort, never watched, deleted at the end).
PARKING_TAG = "profile-migrator:parking"
