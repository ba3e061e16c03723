"""DNS probe, deployed inside one VPC: resolves the watched names through the VPC resolver and
classifies each answer (private = one of the endpoint's ENI IPs, public, nxdomain, servfail, timeout)."""

import os

from profile_migrator.handlers import probe_handler

# RES-9: the VPC resolver answers at 169.254.169.253 (and at the VPC CIDR base + 2).
lambda_handler = probe_handler(os.environ.get("PROBE_NAMESERVER", "169.254.169.253"),
                               int(os.environ.get("PROBE_PORT", "53")))
