"""AWS RAM ``ListResources`` for moto 5.2 (which answers it "Not yet implemented").

Discovery reads who a Profile is shared with through ``GetResourceShares`` -> ``ListResources`` ->
``GetResourceShareAssociations`` (CP-9); without this, reading back an estate whose Profile is shared
fails. :func:`patch_ram_list_resources` adds the route and the handler (idempotent).
"""

from __future__ import annotations

import json
from typing import Any

_PATH = "{0}/listresources$"


def _resource_type(arn: str) -> str:
    """``route53profiles:profile`` for ``arn:aws:route53profiles:…:profile/rp-…``."""
    parts = arn.split(":")
    return f"{parts[2]}:{parts[5].split('/', 1)[0]}" if len(parts) > 5 else ""


def list_resources(self: Any) -> str:
    """The resources of the caller's shares (``resourceOwner`` SELF), filtered as the API filters."""
    owner = self._get_param("resourceOwner")
    share_arns = set(self._get_param("resourceShareArns") or [])
    resource_arns = set(self._get_param("resourceArns") or [])
    principal = self._get_param("principal")
    resource_type = self._get_param("resourceType")
    if owner not in ("SELF", "OTHER-ACCOUNTS"):
        from moto.ram.exceptions import InvalidParameterException

        raise InvalidParameterException(
            f"{owner} is not a valid resource owner. Specify either SELF or OTHER-ACCOUNTS and try again."
        )
    out: list[dict[str, Any]] = []
    if owner == "SELF":
        for share in self.ram_backend.resource_shares:
            if share.status != "ACTIVE" or (share_arns and share.arn not in share_arns):
                continue
            if principal and principal not in share.principals:
                continue
            for arn in share.resource_arns:
                if (resource_arns and arn not in resource_arns) or (
                    resource_type and _resource_type(arn) != resource_type
                ):
                    continue
                out.append(
                    {
                        "arn": arn,
                        "type": _resource_type(arn),
                        "resourceShareArn": share.arn,
                        "status": "AVAILABLE",
                        "creationTime": share.creation_time.timestamp(),
                        "lastUpdatedTime": share.last_updated_time.timestamp(),
                        "resourceRegionScope": "REGIONAL",
                    }
                )
    return json.dumps({"resources": out})


def patch_ram_list_resources() -> None:
    from moto.ram import urls
    from moto.ram.responses import ResourceAccessManagerResponse

    if _PATH not in urls.url_paths:
        ResourceAccessManagerResponse.list_resources = list_resources
        urls.url_paths[_PATH] = ResourceAccessManagerResponse.dispatch
