"""IAM in a rehearsal (issue 10): the untouched templates rehearse (every other flow test runs with IAM
on); a member.yaml copy with one action removed makes the rehearsal fail with AccessDenied naming that
action, and the rollback puts the estate back (the undo needs no such permission)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from twin.run import rehearse_state_machine

from .common import fast_scenario

pytestmark = pytest.mark.flow

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "path1-direct-phz.yaml"


def test_a_permission_removed_from_the_member_role_fails_the_rehearsal(tmp_path: Path) -> None:
    text = (ROOT / "member.yaml").read_text()
    assert text.count("Action: ec2:ModifyVpcEndpoint\n") == 1
    member = tmp_path / "member.yaml"  # step 3 (Private DNS on, CP-1) needs ec2:ModifyVpcEndpoint
    member.write_text(text.replace("Action: ec2:ModifyVpcEndpoint\n", "Action: ec2:DescribeVpcs\n"))
    scn = fast_scenario(yaml.safe_load(EXAMPLE.read_text()), "iam-denied")
    result = rehearse_state_machine(scn, member_template=member)
    assert result.status == "ROLLED_BACK", result.status
    assert "AccessDenied" in result.error and "ec2:ModifyVpcEndpoint" in result.error, result.error
    assert "profile-migrator-member" in result.error  # the role that lacks it
    assert result.final["endpoints"]["lambda"].get("private_dns", False) is False
