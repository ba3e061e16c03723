"""Two Profiles per VPC through the whole product (RES-1, RES-12, CP-6): the real state machine, deployed
from template.yaml into the twin, migrates VPCs that keep their other Profile, under both readings of
RES-12 as the twin's DNS answers them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from profile_migrator.estate import parse_scenario

from twin.run import rehearse_state_machine

from .test_migration import no_downtime

pytestmark = pytest.mark.flow

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "two-profiles.yaml"


def _vpcs(profile: dict[str, object]) -> dict[str, int]:
    """A Profile's VPC entries read back by discovery -> {vpc: priority} (a bare name is priority 100)."""
    out: dict[str, int] = {}
    for v in profile.get("vpcs", []):  # type: ignore[union-attr]
        if isinstance(v, str):
            out[v] = 100
        else:
            out[v["vpc"]] = int(v.get("priority", 100))
    return out


@pytest.mark.parametrize("precedence", ["priority-first", "specificity-first"])
def test_vpcs_keep_their_other_profile_and_join_ours_with_zero_downtime(precedence: str) -> None:
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["twin"]["profile_precedence"] = precedence
    scn = parse_scenario(doc, EXAMPLE.name)
    result = rehearse_state_machine(scn)
    assert result.status == "SUCCEEDED", result.error
    no_downtime(result)
    final = result.final
    # Ours joined before `overrides` on dev and after `baseline` on prod; the other associations and what
    # the other Profiles carry are untouched.
    assert _vpcs(final["profiles"]["central"]) == {"shared-services": 100, "dev": 200, "prod": 200}
    assert _vpcs(final["profiles"]["overrides"]) == {"dev": 300}
    assert _vpcs(final["profiles"]["baseline"]) == {"prod": 100}
    assert final["profiles"]["overrides"]["hosted_zones"] == ["regional-overrides"]
    assert final["profiles"]["baseline"]["hosted_zones"] == ["corp"]
    assert set(final["hosted_zones"]) == {"regional-overrides", "corp"}  # only the self-managed zone went
    assert final["profiles"]["central"]["endpoints"] == ["lambda"]
