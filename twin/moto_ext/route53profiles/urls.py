"""Route 53 Profiles base URL and paths (moto's ``urls.py`` convention).

The operation is picked by moto's router from botocore's model; these patterns only need to send
every Profiles path to the dispatcher. ARNs in paths may arrive percent-encoded (in-process mock)
or decoded with slashes (server mode), hence ``.+``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .responses import Route53ProfilesResponse

URL_BASE = r"https?://route53profiles\.(.+)\.amazonaws\.com"

url_bases: list[str] = [URL_BASE]

_dispatch: Callable[..., Any] = Route53ProfilesResponse.dispatch

url_paths: dict[str, Callable[..., Any]] = {
    "{0}/profile$": _dispatch,
    "{0}/profile/(?P<ProfileId>[^/]+)$": _dispatch,
    "{0}/profiles$": _dispatch,
    "{0}/profileassociation$": _dispatch,
    "{0}/profileassociation/(?P<ProfileAssociationId>[^/]+)$": _dispatch,
    "{0}/profileassociation/Profileid/(?P<ProfileId>[^/]+)/resourceid/(?P<ResourceId>[^/]+)$": _dispatch,
    "{0}/profileassociations$": _dispatch,
    "{0}/profileresourceassociation$": _dispatch,
    "{0}/profileresourceassociation/(?P<ProfileResourceAssociationId>[^/]+)$": _dispatch,
    "{0}/profileresourceassociation/profileid/(?P<ProfileId>[^/]+)/resourcearn/(?P<ResourceArn>.+)$": _dispatch,
    "{0}/profileresourceassociations/profileid/(?P<ProfileId>[^/]+)$": _dispatch,
    "{0}/tags/(?P<ResourceArn>.+)$": _dispatch,
}
