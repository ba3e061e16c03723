"""Route 53 Profiles for moto 5.2 (which has no such service).

Call :func:`register_route53profiles` once (it is idempotent) before or inside ``mock_aws()`` /
before starting ``ThreadedMotoServer``; then ``boto3.client("route53profiles")`` is served.

How moto 5.2 finds a service, and what registering does:

* ``moto.backend_index.backend_url_patterns`` maps a request URL to a backend name; both the
  in-process mock (``moto.core.botocore_stubber.BotocoreStubber.process_request``) and the server
  (``moto.moto_server.werkzeug_app.DomainDispatcherApplication``, which turns the SigV4 signing
  name ``route53profiles`` into the host ``route53profiles.<region>.amazonaws.com``) match against
  that list, read at request time. Registering appends our pattern.
* ``moto.backends.get_backend(name)`` imports ``moto.<name>`` and reads ``<name>_backends``:
  registering installs this package as ``moto.route53profiles`` in ``sys.modules``.
* The backend finds its ``urls.py`` from its class's module (``BaseBackend._url_module``), and
  the responses parse/serialize with botocore's ``route53profiles`` model.
* moto's RAM refuses to share resource types it does not know: registering adds ``profile`` to
  ``moto.ram.models.ResourceShare.SHAREABLE_RESOURCES`` (CP-9).
"""

from __future__ import annotations

import re
import sys
import threading

from .models import (
    Route53ProfilesBackend,
    endpoint_dns_name,
    on_endpoint_associated,
    route53profiles_backends,
    shared_with,
)

__all__ = [
    "Route53ProfilesBackend",
    "endpoint_dns_name",
    "on_endpoint_associated",
    "register_route53profiles",
    "route53profiles_backends",
    "settled_view",
    "shared_with",
]

SERVICE = "route53profiles"
_URL_PATTERN = re.compile(r"https?://route53profiles\.(.+)\.amazonaws\.com")
_register_lock = threading.Lock()


def register_route53profiles() -> None:
    """Make moto serve ``route53profiles`` in-process and in server mode (idempotent)."""
    import moto
    import moto.backend_index as backend_index
    from moto.ram.models import ResourceShare

    from . import models, responses, urls

    with _register_lock:
        package = sys.modules[__name__]
        sys.modules.setdefault(f"moto.{SERVICE}", package)
        sys.modules.setdefault(f"moto.{SERVICE}.models", models)
        sys.modules.setdefault(f"moto.{SERVICE}.responses", responses)
        sys.modules.setdefault(f"moto.{SERVICE}.urls", urls)
        if not hasattr(moto, SERVICE):
            setattr(moto, SERVICE, package)

        patterns = backend_index.backend_url_patterns
        if not any(name == SERVICE for name, _ in patterns):
            # Before any broader pattern could claim the host (none does today; cheap insurance).
            patterns.insert(0, (SERVICE, _URL_PATTERN))

        if "profile" not in ResourceShare.SHAREABLE_RESOURCES:  # CP-9: RAM shares Profiles
            ResourceShare.SHAREABLE_RESOURCES.append("profile")
        from twin.moto_ext.ram_resources import patch_ram_list_resources

        patch_ram_list_resources()  # discovery reads who a Profile is shared with (CP-9)


def settled_view(account_id: str, region: str) -> dict[str, object]:
    """Shortcut for ``route53profiles_backends[account_id][region].settled_view()`` (AS-5).

    The view is region-wide (every account), so any account of the region gives the same answer.
    """
    return route53profiles_backends[account_id][region].settled_view()
