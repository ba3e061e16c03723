"""DNS probe, deployed inside one VPC: resolves the watched names through the VPC resolver and
classifies each answer (private = one of the endpoint's ENI IPs, public, nxdomain, servfail, timeout).

Imports only :mod:`profile_migrator.probe` (dnspython + Powertools' Logger): it runs at every gate."""

import os

from profile_migrator.probe import handler

# RES-9: the VPC resolver answers at 169.254.169.253 (and at the VPC CIDR base + 2).
lambda_handler = handler(
    os.environ.get("PROBE_NAMESERVER", "169.254.169.253"), int(os.environ.get("PROBE_PORT", "53"))
)
