"""The migration request (what a person pastes in the Step Functions console): pydantic, for the console's
wording and the JSON Schema (``schemas/generate.py``). Only the preflight parses it (and the tools): the other
functions never import pydantic (issue 11: cold starts). The models it shares with the events (an account,
the gate's and the polls' settings) are declared once, in :mod:`.models`, and made pydantic here.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from . import models
from .arns import is_region
from .models import MAX_ENDPOINTS, MAX_NAME, role_problem
from .typed import as_pydantic

if TYPE_CHECKING:  # the same fields, names and validators
    AccountRef = models.AccountRef
    GateConfig = models.GateConfig
    PollConfig = models.PollConfig
else:
    AccountRef = as_pydantic(models.AccountRef)
    GateConfig = as_pydantic(models.GateConfig)
    PollConfig = as_pydantic(models.PollConfig)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConcurrencyConfig(_Model):
    # Lanes (endpoints that share no zone and no name) migrating at once; also bounded by the per-account
    # API budgets (RL-1, RL-2: see workflow.lanes_at_once).
    endpoints: int = Field(8, ge=1, le=40)


class MigrationInput(_Model):
    """The execution input (what a person pastes in the Step Functions console)."""

    profile: str = Field(min_length=1, max_length=MAX_NAME)
    endpoints: list[Annotated[str, Field(min_length=1, max_length=MAX_NAME)]] = Field(
        min_length=1, max_length=MAX_ENDPOINTS
    )
    approvals: Literal["none", "destructive", "every-step"] = "none"
    parking_vpc: str = "auto"
    region: str = "us-east-1"
    accounts: dict[str, AccountRef] = Field(min_length=1)
    gate: GateConfig = Field(default_factory=GateConfig)
    poll: PollConfig = Field(default_factory=PollConfig)
    concurrency: ConcurrencyConfig = Field(default_factory=ConcurrencyConfig)
    approval_timeout_seconds: int = Field(3600, ge=60, le=7 * 24 * 3600)

    @field_validator("endpoints")
    @classmethod
    def _endpoints(cls, v: list[str]) -> list[str]:
        dupes = sorted(e for e, n in Counter(v).items() if n > 1)  # O(n): the list is bounded too
        if dupes:
            raise ValueError(f"{', '.join(map(repr, dupes))} listed twice")
        return v

    @field_validator("region")
    @classmethod
    def _region(cls, v: str) -> str:
        if not is_region(v):
            raise ValueError(f"{v!r} is not an AWS region name")
        return v

    @field_validator("accounts")
    @classmethod
    def _roles(cls, v: dict[str, AccountRef], info: ValidationInfo) -> dict[str, AccountRef]:
        # Confused deputy: a role ARN comes from the input, so it must be the named account's own role, in
        # the partition of the input's Region; refused here, before any AWS call.
        region = info.data.get("region")
        for alias, acct in v.items():
            problem = role_problem(alias, acct, region if isinstance(region, str) else None)
            if problem:
                raise ValueError(problem)
        return v
