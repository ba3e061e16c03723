"""Process-wide settings of the twin: simulated durations and the scenario's faults.

moto's backends, the resolvers and the dispatcher read them through :func:`get_settings`; the twin
installs them from a scenario with :func:`install_settings`. Durations are simulated seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from twin.current import Current

DEFAULT_PROFILE_MAX_VPCS = 1000


@dataclass
class Durations:
    endpoint_pending: float = 60.0  # AS-2
    profile_association: float = 20.0  # AS-1
    resource_association: float = 20.0  # AS-1
    phz_change: float = 30.0  # AS-3
    operator_action: float = 20.0  # published replay only


@dataclass
class TwinSettings:
    region: str = "us-east-1"
    durations: Durations = field(default_factory=Durations)
    negative_cache_ttl: float = 0.0  # RES-10
    profile_precedence: str = "priority-first"  # RES-12: the reading the VPC resolvers apply
    # VPCs per Profile, by Profile name or id (scenario `profiles.<p>.max_vpcs`); others: the default.
    profile_max_vpcs: dict[str, int] = field(default_factory=dict)
    # Each fault is a mapping with `kind` as in scenario-format.md; names are *AWS ids or scenario
    # names* as the twin resolved them (the twin fills `endpoint_id`, `vpc_id`, `profile_id`,
    # `resource_id` beside the scenario names when it builds the estate).
    faults: list[dict[str, Any]] = field(default_factory=list)
    # Mutable per-fault counters (times left, etc.), keyed by fault index.
    fault_state: dict[int, dict[str, Any]] = field(default_factory=dict)
    # RL-1 / RL-2: AWS's own per-account token buckets (scenario `twin.rate_limits: aws`); the twin turns
    # them on once the starting estate is built. Buckets by (service, operation or None, account).
    rate_limits: bool = False
    # Every AWS call of a function is evaluated against its role's policies (twin.iam; scenario `twin.iam`).
    iam: bool = True
    history_limit: int = 25_000  # SF-5: events in one execution's history
    rate_buckets: dict[tuple[str, str | None, str], Any] = field(default_factory=dict)

    def max_vpcs_of_profile(self, profile_id: str, name: str) -> int:
        """Q-2: how many VPCs the Profile may be associated with."""
        return self.profile_max_vpcs.get(
            profile_id, self.profile_max_vpcs.get(name, DEFAULT_PROFILE_MAX_VPCS)
        )

    def faults_of(self, kind: str) -> list[tuple[int, dict[str, Any]]]:
        return [(i, f) for i, f in enumerate(self.faults) if f.get("kind") == kind]


_settings: Current[TwinSettings] = Current(TwinSettings())
install_settings = _settings.install
get_settings = _settings.get
