"""AWS RAM adapter: share a Profile with accounts (CP-9) and read who it is shared with."""

from __future__ import annotations

from .session import Account, paginate


def share_with_accounts(acct: Account, name: str, resource_arn: str, account_ids: list[str]) -> str:
    resp = acct.client("ram").create_resource_share(
        name=name, resourceArns=[resource_arn], principals=account_ids, allowExternalPrincipals=True
    )
    return str(resp["resourceShare"]["resourceShareArn"])


def shared_with(acct: Account, resource_arn: str) -> list[str]:
    """Account ids a resource owned by ``acct`` is shared with (associated principals)."""
    ram = acct.client("ram")
    out: list[str] = []
    shares = paginate(ram, "get_resource_shares", "resourceShares", resourceOwner="SELF")
    for share in shares:
        if share.get("status") not in (None, "ACTIVE"):
            continue
        arns = paginate(
            ram,
            "list_resources",
            "resources",
            resourceOwner="SELF",
            resourceShareArns=[share["resourceShareArn"]],
        )
        if not any(r.get("arn") == resource_arn for r in arns):
            continue
        assocs = paginate(
            ram,
            "get_resource_share_associations",
            "resourceShareAssociations",
            associationType="PRINCIPAL",
            resourceShareArns=[share["resourceShareArn"]],
        )
        for a in assocs:
            principal = a.get("associatedEntity", "")
            if (
                principal.isdigit()
                and principal not in out
                and a.get("status") in (None, "ASSOCIATED", "ASSOCIATING")
            ):
                out.append(principal)
    return out
