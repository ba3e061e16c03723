"""Route 53 Profiles backend for moto (moto 5.2 has none).

State lives per (account, region) like every moto ``BackendDict``:

* a **Profile** lives in its owner's backend;
* a **Profile association** (Profile -> VPC) lives in the backend of the account that called
  ``AssociateProfile``, i.e. the VPC owner (CP-9), whoever owns the Profile;
* a **Profile resource association** lives in the Profile owner's backend (only the owner may
  associate resources, CP-9).

Cross-account reads (a Profile shared through AWS RAM, the owner listing the associations of the
VPCs of other accounts) look into the other accounts' backends of the same region.

A VPC has up to two Profile associations, each with a unique ``Priority`` 100-9900 (RES-1, CP-6); a
priority change by ``UpdateProfileAssociation`` is ``UPDATING`` and remembers the old priority until
``COMPLETE`` (AS-6). A Profile has at most ``max_vpcs`` VPCs (Q-2, from the twin's settings).

Statuses are computed lazily from the simulated clock (AS-1): ``CREATING``/``UPDATING`` become
``COMPLETE`` (or ``FAILED`` under the ``association-fails`` fault) and ``DELETING`` associations
disappear once the scenario's duration has passed since the call. :meth:`settled_view` gives the
state the twin's DNS model uses (AS-5).
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.exceptions import ServiceException
from moto.core.utils import utcnow
from moto.moto_api._internal import mock_random as random
from moto.utilities.utils import get_partition

from twin.clock import get_clock
from twin.config import get_settings
from twin.moto_ext.errors import error_class

# --------------------------------------------------------------------------------------------
# Errors (the route53profiles model's error shapes; botocore maps `code` to Error.Code)
# --------------------------------------------------------------------------------------------


def _error(code: str, detail: str | None = None) -> type[ServiceException]:
    return error_class(ServiceException, code, detail=detail)


ResourceNotFoundException = _error("ResourceNotFoundException", "resource_type")
ConflictException = _error("ConflictException")
ResourceExistsException = _error("ResourceExistsException", "resource_type")
InvalidParameterException = _error("InvalidParameterException", "field_name")
AccessDeniedException = _error("AccessDeniedException")
ValidationException = _error("ValidationException")
ThrottlingException = _error("ThrottlingException")
LimitExceededException = _error("LimitExceededException")
InvalidNextTokenException = _error("InvalidNextTokenException")
InternalServiceErrorException = _error("InternalServiceErrorException")


# --------------------------------------------------------------------------------------------
# Hooks
# --------------------------------------------------------------------------------------------

#: Called with (endpoint account, endpoint region, vpce id) when an interface endpoint is
#: associated with a Profile, so the EC2 side can show the endpoint ``Pending`` (AS-2).
on_endpoint_associated: list[Callable[[str, str, str], None]] = []

# --------------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------------

CREATING = "CREATING"
UPDATING = "UPDATING"
DELETING = "DELETING"
COMPLETE = "COMPLETE"
FAILED = "FAILED"
DELETED = "DELETED"

PHZ = "PRIVATE_HOSTED_ZONE"
ENDPOINT = "INTERFACE_VPC_ENDPOINT"
FIREWALL_RULE_GROUP = "FIREWALL_RULE_GROUP"
RESOLVER_RULE = "RESOLVER_RULE"
QUERY_LOG_CONFIG = "RESOLVER_QUERY_LOGGING_CONFIG"

_TYPE_LABEL = {
    "VPC": "VPC",
    PHZ: "private hosted zone",
    ENDPOINT: "interface VPC endpoint",
    FIREWALL_RULE_GROUP: "DNS Firewall rule group",
    RESOLVER_RULE: "Resolver rule",
    QUERY_LOG_CONFIG: "Resolver query logging configuration",
}

_NAME_RE = re.compile(r"^(?![0-9]+$)[a-zA-Z0-9\-_' ]*$")
_PHZ_ARN_RE = re.compile(r"^arn:aws[a-z-]*:route53:::hostedzone/(?P<id>[A-Z0-9]+)$")
_ENDPOINT_ARN_RE = re.compile(
    r"^arn:aws[a-z-]*:ec2:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):vpc-endpoint/(?P<id>vpce-[0-9a-f]+)$"
)
_RESOLVER_ARN_RE = re.compile(
    r"^arn:aws[a-z-]*:route53resolver:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"(?P<kind>firewall-rule-group|resolver-rule|resolver-query-log-config)/(?P<id>[\w-]+)$"
)
_RESOLVER_KINDS = {
    "firewall-rule-group": FIREWALL_RULE_GROUP,
    "resolver-rule": RESOLVER_RULE,
    "resolver-query-log-config": QUERY_LOG_CONFIG,
}
_PROFILES_ARN_RE = re.compile(
    r"^arn:aws[a-z-]*:route53profiles:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"(?P<kind>profile|profile-association)/(?P<id>[\w-]+)$"
)

DEFAULT_PRIORITY = 100
MAX_RESULTS = 100

# One lock for all Profiles state: moto's server answers from several threads, and cross-account
# operations touch more than one backend.
_lock = threading.RLock()
_seq = itertools.count(1)


def _new_id(prefix: str) -> str:
    return prefix + "".join(random.choice("0123456789abcdef") for _ in range(17))


def _now() -> float:
    return get_clock().now()


def endpoint_dns_name(endpoint: Any, region: str) -> str:
    """The private DNS name of an interface endpoint's service (RES-6/RES-7).

    The twin may set ``private_dns_name`` on moto's endpoint object (``ecr.api`` ->
    ``api.ecr.<region>.amazonaws.com``); otherwise AWS's usual ``<service>.<region>.amazonaws.com``.
    """
    explicit = getattr(endpoint, "private_dns_name", None)
    if explicit:
        return _norm(str(explicit))
    service_name: str = endpoint.service_name
    prefix = f"com.amazonaws.{region}."
    short = service_name[len(prefix) :] if service_name.startswith(prefix) else service_name
    return _norm(f"{short}.{region}.amazonaws.com")


def _norm(name: str) -> str:
    return name.rstrip(".").lower()


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------


@dataclass
class Profile:
    id: str
    arn: str
    name: str
    owner_id: str
    region: str
    client_token: str
    creation_time: datetime
    modification_time: datetime
    seq: int = field(default_factory=lambda: next(_seq))

    def to_dict(self, share_status: str, status: str = COMPLETE) -> dict[str, Any]:
        return {
            "Id": self.id,
            "Arn": self.arn,
            "Name": self.name,
            "OwnerId": self.owner_id,
            "Status": status,
            "StatusMessage": "Deleted Profile" if status == DELETED else "Created Profile",
            "ShareStatus": share_status,
            "CreationTime": self.creation_time,
            "ModificationTime": self.modification_time,
            "ClientToken": self.client_token,
        }

    def summary(self, share_status: str) -> dict[str, Any]:
        return {"Id": self.id, "Arn": self.arn, "Name": self.name, "ShareStatus": share_status}


@dataclass
class _Async:
    """An association whose status moves through a transitional state (AS-1)."""

    id: str
    name: str
    owner_id: str
    profile_id: str
    region: str
    creation_time: datetime
    modification_time: datetime
    # status as last set by a call, the simulated second it was set, what it ends as
    phase: str = CREATING
    phase_started: float = 0.0
    outcome: str = COMPLETE
    outcome_message: str = ""
    gone: bool = False
    settled_once: bool = False  # has been COMPLETE at least once (it took effect, AS-5)
    seq: int = field(default_factory=lambda: next(_seq))

    kind: str = "VPC"

    def duration(self) -> float:
        raise NotImplementedError

    def refresh(self, now: float) -> None:
        """Settle the transitional state once its duration has passed (AS-1)."""
        if self.phase in (CREATING, UPDATING, DELETING) and now - self.phase_started >= self.duration():
            if self.phase == DELETING:
                self.gone = True
            # An update of a FAILED association ends FAILED again.
            self.phase = self.outcome
            if self.phase == COMPLETE:
                self.settled_once = True

    def start(self, phase: str, now: float) -> None:
        self.phase = phase
        self.phase_started = now
        self.modification_time = utcnow()

    @property
    def status(self) -> str:
        return DELETED if self.gone else self.phase

    @property
    def status_message(self) -> str:
        label = _TYPE_LABEL.get(self.kind, "resource")
        return {
            CREATING: f"Creating the Profile to {label} association",
            UPDATING: f"Updating the Profile to {label} association",
            DELETING: f"Deleting the Profile to {label} association",
            COMPLETE: f"Completed creation of Profile to {label} association",
            FAILED: self.outcome_message or f"Failed creation of Profile to {label} association",
            DELETED: f"Deleted the Profile to {label} association",
        }[self.status]

    @property
    def settled(self) -> bool:
        """In effect for DNS (AS-5): COMPLETE, or UPDATING/DELETING after having completed."""
        return self.status == COMPLETE or (self.status in (UPDATING, DELETING) and self.settled_once)


@dataclass
class ProfileAssociation(_Async):
    resource_id: str = ""  # the VPC id
    priority: int = DEFAULT_PRIORITY
    arn: str = ""
    # AS-6: the priority in effect before an UpdateProfileAssociation; some queries still use it while
    # the association is UPDATING. None when no priority change is propagating.
    old_priority: int | None = None

    def duration(self) -> float:
        return get_settings().durations.profile_association

    def refresh(self, now: float) -> None:
        super().refresh(now)
        if self.phase != UPDATING:
            self.old_priority = None  # AS-6: COMPLETE, the new priority applies to every query

    def to_dict(self) -> dict[str, Any]:
        return {
            "Id": self.id,
            "Name": self.name,
            "OwnerId": self.owner_id,
            "ProfileId": self.profile_id,
            "ResourceId": self.resource_id,
            "Status": self.status,
            "StatusMessage": self.status_message,
            "CreationTime": self.creation_time,
            "ModificationTime": self.modification_time,
            "Priority": self.priority,
        }


@dataclass
class ProfileResourceAssociation(_Async):
    resource_arn: str = ""
    resource_type: str = ""
    resource_properties: str | None = None
    resource_id: str = ""  # zone id (Z…) / vpce id / resolver id
    dns_name: str | None = None  # the name the Profile carries through it (CP-7, RES-7)

    def duration(self) -> float:
        return get_settings().durations.resource_association

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "Id": self.id,
            "Name": self.name,
            "OwnerId": self.owner_id,
            "ProfileId": self.profile_id,
            "ResourceArn": self.resource_arn,
            "ResourceType": self.resource_type,
            "Status": self.status,
            "StatusMessage": self.status_message,
            "CreationTime": self.creation_time,
            "ModificationTime": self.modification_time,
        }
        if self.resource_properties is not None:
            out["ResourceProperties"] = self.resource_properties
        return out


T = TypeVar("T", Profile, ProfileAssociation, ProfileResourceAssociation)


def _paginate(
    items: Sequence[T], max_results: int | None, next_token: str | None
) -> tuple[list[T], str | None]:
    """Creation-ordered pages; the token names the first item of the next page (stable under deletes)."""
    if max_results is None:
        max_results = MAX_RESULTS
    if not 1 <= max_results <= MAX_RESULTS:
        raise ValidationException(
            f"1 validation error detected: Value '{max_results}' at 'maxResults' failed to satisfy "
            f"constraint: Member must have value between 1 and {MAX_RESULTS}"
        )
    ordered = sorted(items, key=lambda item: item.seq)
    start_seq = 0
    if next_token:
        try:
            start_seq = int(base64.urlsafe_b64decode(next_token.encode()).decode().removeprefix("rp:"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidNextTokenException("The NextToken is not valid.") from exc
    remaining = [item for item in ordered if item.seq >= start_seq]
    page = remaining[:max_results]
    token = None
    if len(remaining) > max_results:
        token = base64.urlsafe_b64encode(f"rp:{remaining[max_results].seq}".encode()).decode()
    return page, token


def _validate_name(name: str | None, required: bool = True) -> None:
    if name is None:
        if required:
            raise ValidationException(
                "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"
            )
        return
    if len(name) > 64 or not _NAME_RE.match(name):
        raise ValidationException(
            f"1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9\\-_' ']+)"
        )


MIN_PRIORITY, MAX_PRIORITY = 100, 9900


def _validate_priority(priority: int | None) -> None:
    if priority is not None and not MIN_PRIORITY <= priority <= MAX_PRIORITY:  # CP-6
        raise ValidationException(
            f"1 validation error detected: Value '{priority}' at 'priority' failed to satisfy "
            f"constraint: Member must have value between {MIN_PRIORITY} and {MAX_PRIORITY}"
        )


def _check_priority_free(priority: int, others: Sequence[ProfileAssociation], vpc_id: str) -> None:
    """CP-6 / RES-12: each Profile association of a VPC has its own priority (so no swap in one call)."""
    for other in others:
        if other.priority == priority:
            raise ValidationException(
                f"Priority {priority} is already used by Profile association {other.id} (Profile "
                f"{other.profile_id}) of VPC {vpc_id}; each Profile association of a VPC needs a unique priority."
            )


# --------------------------------------------------------------------------------------------
# RAM (CP-9)
# --------------------------------------------------------------------------------------------


def _principal_is_account(principal: str, account_id: str) -> bool:
    if principal == account_id:
        return True
    return re.match(rf"^arn:aws[a-z-]*:iam::{account_id}:(root|role/.+|user/.+)$", principal) is not None


def _active_shares_of(profile: Profile) -> list[Any]:
    from moto.ram.models import ram_backends

    if profile.owner_id not in ram_backends.keys():
        return []
    account_backends = ram_backends[profile.owner_id]
    if profile.region not in account_backends.keys():
        return []
    return [
        share
        for share in account_backends[profile.region].resource_shares
        if share.status == "ACTIVE" and profile.arn in share.resource_arns
    ]


def shared_with(profile: Profile, account_id: str) -> bool:
    """Is the Profile shared with ``account_id`` through AWS RAM (CP-9)?"""
    return any(
        _principal_is_account(principal, account_id)
        for share in _active_shares_of(profile)
        for principal in share.principals
    )


def _fault_failure(profile: Profile, assoc_name: str, resource_id: str, resource_arn: str) -> str | None:
    """The ``association-fails`` fault: the status message if this resource association must fail."""

    def matches(fault: dict[str, Any], id_key: str, name_key: str, ids: set[str], names: set[str]) -> bool:
        if fault.get(id_key):
            return str(fault[id_key]) in ids
        if fault.get(name_key):
            return str(fault[name_key]) in names
        return True

    for index, fault in get_settings().faults_of("association-fails"):
        if not matches(fault, "profile_id", "profile", {profile.id}, {profile.id, profile.name}):
            continue
        if not matches(
            fault, "resource_id", "resource", {resource_id}, {resource_id, resource_arn, assoc_name}
        ):
            continue
        return f"Failed to associate the resource with the Profile (twin fault #{index})"
    return None


# --------------------------------------------------------------------------------------------
# Backend
# --------------------------------------------------------------------------------------------


class Route53ProfilesBackend(BaseBackend):
    """Route 53 Profiles for one (account, region)."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.profiles: dict[str, Profile] = {}
        self.profile_associations: dict[str, ProfileAssociation] = {}
        self.resource_associations: dict[str, ProfileResourceAssociation] = {}
        self.tags: dict[str, dict[str, str]] = {}

    # ---- cross-account plumbing ------------------------------------------------------------

    def _region_backends(self) -> Iterator[Route53ProfilesBackend]:
        """Every account's backend of this region that exists (never creates one)."""
        for account_id in list(route53profiles_backends.keys()):
            account_backends = route53profiles_backends[account_id]
            if self.region_name in account_backends.keys():
                yield account_backends[self.region_name]

    @contextlib.contextmanager
    def _settled(self) -> Iterator[None]:
        """Under the backends' lock, every timed phase advanced to now (AS-1)."""
        with _lock:
            self._refresh()
            yield

    def _refresh(self) -> None:
        """Settle every association of the region whose duration has passed (AS-1)."""
        now = _now()
        for backend in self._region_backends():
            for store in (backend.profile_associations, backend.resource_associations):
                for key, assoc in list(store.items()):
                    assoc.refresh(now)
                    if assoc.gone:
                        del store[key]
                        if isinstance(assoc, ProfileAssociation):
                            backend.tags.pop(assoc.arn, None)

    def _find_profile(self, profile_id: str) -> Profile | None:
        for backend in self._region_backends():
            if profile_id in backend.profiles:
                return backend.profiles[profile_id]
        return None

    def _owner_backend(self, profile: Profile) -> Route53ProfilesBackend:
        return route53profiles_backends[profile.owner_id][profile.region]

    def _visible(self, profile: Profile) -> bool:
        return profile.owner_id == self.account_id or shared_with(profile, self.account_id)  # CP-9

    def _share_status(self, profile: Profile) -> str:
        if profile.owner_id != self.account_id:
            return "SHARED_WITH_ME"
        if any(share.principals for share in _active_shares_of(profile)):
            return "SHARED_BY_ME"
        return "NOT_SHARED"

    def _get_visible_profile(self, profile_id: str) -> Profile:
        profile = self._find_profile(profile_id)
        if profile is None or not self._visible(profile):  # CP-9: not shared -> not found
            raise ResourceNotFoundException(
                f"[RSLVR-00000] Profile with ID '{profile_id}' does not exist.", "PROFILE"
            )
        return profile

    def _get_owned_profile(self, profile_id: str) -> Profile:
        profile = self._get_visible_profile(profile_id)
        if profile.owner_id != self.account_id:  # CP-9: only the owner changes the Profile
            raise AccessDeniedException(
                f"Account {self.account_id} is not the owner of Profile {profile_id}; "
                "only the owner can change it."
            )
        return profile

    def _all_profile_associations(self) -> list[ProfileAssociation]:
        return [a for b in self._region_backends() for a in b.profile_associations.values()]

    def _profile_resource_associations(self, profile: Profile) -> list[ProfileResourceAssociation]:
        owner = self._owner_backend(profile)
        return [a for a in owner.resource_associations.values() if a.profile_id == profile.id]

    # ---- Profiles ----------------------------------------------------------------------------

    def create_profile(
        self, name: str, client_token: str, tags: list[dict[str, str]] | None
    ) -> dict[str, Any]:
        _validate_name(name)
        with _lock:
            for profile in self.profiles.values():
                if profile.client_token == client_token:  # idempotent retry
                    return profile.to_dict(self._share_status(profile))
            profile_id = _new_id("rp-")
            now = utcnow()
            profile = Profile(
                id=profile_id,
                arn=f"arn:{get_partition(self.region_name)}:route53profiles:{self.region_name}:"
                f"{self.account_id}:profile/{profile_id}",
                name=name,
                owner_id=self.account_id,
                region=self.region_name,
                client_token=client_token,
                creation_time=now,
                modification_time=now,
            )
            self.profiles[profile_id] = profile
            self._set_tags(profile.arn, tags)
            return profile.to_dict(self._share_status(profile))

    def get_profile(self, profile_id: str) -> dict[str, Any]:
        with _lock:
            profile = self._get_visible_profile(profile_id)
            return profile.to_dict(self._share_status(profile))

    def delete_profile(self, profile_id: str) -> dict[str, Any]:
        with self._settled():
            profile = self._get_owned_profile(profile_id)
            in_use = [a for a in self._all_profile_associations() if a.profile_id == profile_id]
            if in_use:
                raise ConflictException(
                    f"Profile {profile_id} is still associated with "
                    f"{', '.join(sorted(a.resource_id for a in in_use))}; disassociate it from all VPCs first."
                )
            for key, assoc in list(self.resource_associations.items()):
                if assoc.profile_id == profile_id:
                    del self.resource_associations[key]
            share_status = self._share_status(profile)
            del self.profiles[profile_id]
            self.tags.pop(profile.arn, None)
            profile.modification_time = utcnow()
            return profile.to_dict(share_status, status=DELETED)

    def list_profiles(
        self, max_results: int | None, next_token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        with _lock:
            visible = [p for b in self._region_backends() for p in b.profiles.values() if self._visible(p)]
            page, token = _paginate(visible, max_results, next_token)
            return [p.summary(self._share_status(p)) for p in page], token

    # ---- Profile <-> VPC ---------------------------------------------------------------------

    def associate_profile(
        self,
        profile_id: str,
        resource_id: str,
        name: str,
        tags: list[dict[str, str]] | None,
        priority: int | None,
    ) -> dict[str, Any]:
        _validate_name(name)
        _validate_priority(priority)
        with self._settled():
            profile = self._find_profile(profile_id)
            if profile is None:
                raise ResourceNotFoundException(
                    f"[RSLVR-00000] Profile with ID '{profile_id}' does not exist.", "PROFILE"
                )
            if not self._visible(profile):  # CP-9: not shared with the caller
                raise AccessDeniedException(
                    f"Account {self.account_id} is not authorized to use Profile {profile_id}; "
                    "share it with AWS RAM first."
                )
            # CP-9: the VPC owner's account associates its own VPC, by id. A VPC the caller does
            # not own (or that does not exist for it) is refused with AccessDeniedException.
            if not resource_id.startswith("vpc-") or not self._caller_owns_vpc(resource_id):
                raise AccessDeniedException(
                    f"Account {self.account_id} does not own VPC {resource_id}; the VPC owner's "
                    "account must call AssociateProfile with the VPC id."
                )
            priority = self._check_new_association(profile, resource_id, name, priority)
            fresh = self._fresh("rpassoc-", name, profile_id)
            assoc_id = fresh["id"]
            assoc = ProfileAssociation(
                **fresh,
                resource_id=resource_id,
                priority=priority,
                arn=f"arn:{get_partition(self.region_name)}:route53profiles:{self.region_name}:"
                f"{self.account_id}:profile-association/{assoc_id}",
            )
            self.profile_associations[assoc_id] = assoc
            self._set_tags(assoc.arn, tags)
            return assoc.to_dict()

    def _associations_of_vpc(self, vpc_id: str) -> list[ProfileAssociation]:
        """Every live association of a VPC (DELETING ones still count). They all live in the caller's
        backend when the caller owns the VPC (CP-9), but a VPC's associations are read region-wide."""
        return [a for a in self._all_profile_associations() if a.resource_id == vpc_id]

    def _check_new_association(self, profile: Profile, vpc_id: str, name: str, priority: int | None) -> int:
        """CP-6, RES-1, Q-2 for ``AssociateProfile``; the priority the association gets."""
        existing = self._associations_of_vpc(vpc_id)
        for other in existing:
            if other.profile_id != profile.id:
                continue
            if other.name != name or (priority is not None and priority != other.priority):
                # CP-6: the same Profile again with another Name or Priority (UpdateProfileAssociation changes them)
                raise ValidationException(
                    f"Profile {profile.id} is already associated with VPC {vpc_id} (association {other.id}, "
                    f"name {other.name!r}, priority {other.priority}); use UpdateProfileAssociation to change "
                    "its name or priority."
                )
            raise ResourceExistsException(
                f"Profile {profile.id} is already associated with VPC {vpc_id} "
                f"(association {other.id}, status {other.status}).",
                "PROFILE_ASSOCIATION",
            )
        if len(existing) >= 2:  # RES-1 / CP-6: at most two Profile associations per VPC
            raise LimitExceededException(
                f"VPC {vpc_id} already has two Profile associations "
                f"({', '.join(f'{a.profile_id} ({a.id}, {a.status})' for a in existing)}); a VPC can have at most two."
            )
        if existing and priority is None:  # CP-6: a second association must give its priority
            raise ValidationException(
                f"VPC {vpc_id} already has a Profile association ({existing[0].id}, Profile "
                f"{existing[0].profile_id}, priority {existing[0].priority}); specify a Priority that it does not use."
            )
        if priority is None:
            priority = DEFAULT_PRIORITY  # CP-6: the VPC's only association defaults to 100
        _check_priority_free(priority, existing, vpc_id)
        limit = get_settings().max_vpcs_of_profile(profile.id, profile.name)
        members = {a.resource_id for a in self._all_profile_associations() if a.profile_id == profile.id}
        if len(members) >= limit:
            raise LimitExceededException(
                f"Profile {profile.id} is already associated with {len(members)} VPCs, its limit of {limit}."
            )
        return priority

    def _caller_owns_vpc(self, vpc_id: str) -> bool:
        from moto.ec2.models import ec2_backends

        return vpc_id in ec2_backends[self.account_id][self.region_name].vpcs

    def _fresh(self, prefix: str, name: str, profile_id: str) -> dict[str, Any]:
        """The fields a new association starts with: a new id, the caller's account and region, CREATING
        from now (AS-1)."""
        now = utcnow()
        return {
            "id": _new_id(prefix),
            "name": name,
            "owner_id": self.account_id,
            "profile_id": profile_id,
            "region": self.region_name,
            "creation_time": now,
            "modification_time": now,
            "phase": CREATING,
            "phase_started": _now(),
        }

    def _find_association(
        self, table: str, association_id: str, readable: Callable[[Any], bool], what: str, kind: str
    ) -> Any:
        """The association ``association_id`` of ``table`` (in any region's backend) if the caller may
        read it, else AWS's ResourceNotFoundException for ``what``."""
        for backend in self._region_backends():
            assoc = getattr(backend, table).get(association_id)
            if assoc is not None and readable(assoc):
                return assoc
        raise ResourceNotFoundException(
            f"[RSLVR-00000] {what} with ID '{association_id}' does not exist.", kind
        )

    def _find_profile_association(self, association_id: str) -> ProfileAssociation:
        """An association the caller may read: its own, or one of a Profile it owns."""

        def readable(assoc: ProfileAssociation) -> bool:
            profile = self._find_profile(assoc.profile_id)
            return assoc.owner_id == self.account_id or (
                profile is not None and profile.owner_id == self.account_id
            )

        found: ProfileAssociation = self._find_association(
            "profile_associations", association_id, readable, "Profile association", "PROFILE_ASSOCIATION"
        )
        return found

    def get_profile_association(self, association_id: str) -> dict[str, Any]:
        with self._settled():
            return self._find_profile_association(association_id).to_dict()

    def disassociate_profile(self, profile_id: str, resource_id: str) -> dict[str, Any]:
        with self._settled():
            found = [
                a
                for a in self._all_profile_associations()
                if a.profile_id == profile_id and a.resource_id == resource_id
            ]
            mine = [a for a in found if a.owner_id == self.account_id]
            if not mine:
                if found:  # CP-9: the VPC owner's account disassociates its VPC
                    raise AccessDeniedException(f"Account {self.account_id} does not own VPC {resource_id}.")
                raise ResourceNotFoundException(
                    f"[RSLVR-00000] Profile {profile_id} is not associated with {resource_id}.",
                    "PROFILE_ASSOCIATION",
                )
            assoc = mine[0]
            if assoc.phase != DELETING:  # AS-1: a repeated call does not restart the timer
                assoc.start(DELETING, _now())
            return assoc.to_dict()

    def update_profile_association(
        self, association_id: str, name: str | None, priority: int | None
    ) -> dict[str, Any]:
        _validate_name(name, required=False)
        _validate_priority(priority)
        with self._settled():
            assoc = self._find_profile_association(association_id)
            if assoc.owner_id != self.account_id:  # CP-6/CP-9: only the creating account updates it
                raise AccessDeniedException(
                    f"Account {self.account_id} does not own association {association_id}; only the "
                    "account that created it can update it."
                )
            if assoc.status in (DELETING, DELETED, FAILED):  # CP-6
                raise ConflictException(
                    f"Profile association {association_id} is {assoc.status}; it cannot be updated."
                )
            if priority is not None and priority != assoc.priority:
                # CP-6: unique per VPC, checked against the others' current priorities (no swap in one call)
                others = [a for a in self._associations_of_vpc(assoc.resource_id) if a.id != assoc.id]
                _check_priority_free(priority, others, assoc.resource_id)
                if assoc.phase != CREATING and assoc.old_priority is None:
                    assoc.old_priority = assoc.priority  # AS-6: the order some queries still use
                assoc.priority = priority
            if name is not None:
                assoc.name = name
            if assoc.phase != CREATING:  # a CREATING one takes the new values when it completes
                assoc.start(UPDATING, _now())  # AS-1, AS-6
            else:
                assoc.modification_time = utcnow()
            return assoc.to_dict()

    def list_profile_associations(
        self,
        resource_id: str | None,
        profile_id: str | None,
        max_results: int | None,
        next_token: str | None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        with self._settled():
            own_profiles = {
                p.id
                for b in self._region_backends()
                for p in b.profiles.values()
                if p.owner_id == self.account_id
            }
            visible = [
                a
                for a in self._all_profile_associations()
                # CP-9: the owner lists every association of its Profiles; others their VPCs'
                if a.owner_id == self.account_id or a.profile_id in own_profiles
            ]
            if resource_id:
                visible = [a for a in visible if a.resource_id == resource_id]
            if profile_id:
                visible = [a for a in visible if a.profile_id == profile_id]
            page, token = _paginate(visible, max_results, next_token)
            return [a.to_dict() for a in page], token

    # ---- Profile <-> resources -----------------------------------------------------------------

    def _resolve_resource(self, resource_arn: str) -> tuple[str, str, str | None, str | None]:
        """(resource type, resource id, carried DNS name, endpoint region) of ``resource_arn``."""
        if match := _PHZ_ARN_RE.match(resource_arn):
            from moto.route53.models import route53_backends

            zone_id = match["id"]
            zones = route53_backends[self.account_id][get_partition(self.region_name)].zones
            zone = zones.get(zone_id)
            if zone is None:
                raise ResourceNotFoundException(f"Hosted zone {zone_id} does not exist.", "HOSTED_ZONE")
            if not zone.private_zone:
                raise InvalidParameterException(
                    f"Hosted zone {zone_id} is a public hosted zone; only private hosted zones can be "
                    "associated with a Profile.",
                    "ResourceArn",
                )
            return PHZ, zone_id, _norm(zone.name), None
        if match := _ENDPOINT_ARN_RE.match(resource_arn):
            from moto.ec2.models import ec2_backends

            vpce_id = match["id"]
            endpoint = None
            if match["account"] == self.account_id and match["region"] == self.region_name:
                endpoint = ec2_backends[self.account_id][self.region_name].vpc_end_points.get(vpce_id)
            if endpoint is None or str(endpoint.state).lower() == "deleted":
                raise ResourceNotFoundException(f"VPC endpoint {vpce_id} does not exist.", "VPC_ENDPOINT")
            if str(endpoint.vpc_endpoint_type or "").lower() != "interface":
                raise InvalidParameterException(
                    f"VPC endpoint {vpce_id} is not an interface endpoint.", "ResourceArn"
                )
            if not endpoint.private_dns_enabled:  # CP-8 (silent in AWS docs; conservative twin)
                raise InvalidParameterException(
                    f"Private DNS is not enabled on VPC endpoint {vpce_id}; enable it before "
                    "associating the endpoint with a Profile.",
                    "ResourceArn",
                )
            return ENDPOINT, vpce_id, endpoint_dns_name(endpoint, self.region_name), self.region_name
        if match := _RESOLVER_ARN_RE.match(resource_arn):
            if match["account"] != self.account_id or match["region"] != self.region_name:
                raise ResourceNotFoundException(f"Resource {resource_arn} does not exist.")
            return _RESOLVER_KINDS[match["kind"]], match["id"], None, None
        raise InvalidParameterException(
            f"ResourceArn {resource_arn} is not a private hosted zone, interface VPC endpoint, "
            "DNS Firewall rule group, Resolver rule or query logging configuration ARN.",
            "ResourceArn",
        )

    def associate_resource_to_profile(
        self, profile_id: str, resource_arn: str, name: str, resource_properties: str | None
    ) -> dict[str, Any]:
        _validate_name(name)
        if resource_properties is not None:
            try:
                json.loads(resource_properties)
            except ValueError as exc:
                raise InvalidParameterException(
                    "ResourceProperties must be a JSON document.", "ResourceProperties"
                ) from exc
        with self._settled():
            profile = self._get_owned_profile(profile_id)  # CP-9: owner only
            resource_type, resource_id, dns_name, endpoint_region = self._resolve_resource(resource_arn)
            for existing in self._profile_resource_associations(profile):
                if existing.resource_arn == resource_arn:
                    raise ConflictException(
                        f"Resource {resource_arn} is already associated with Profile {profile_id} "
                        f"(association {existing.id}, status {existing.status})."
                    )
                if dns_name and existing.dns_name == dns_name:  # CP-7 (conservative twin)
                    raise ConflictException(
                        f"Profile {profile_id} already carries the DNS name {dns_name} through "
                        f"{existing.resource_arn} (association {existing.id}, status {existing.status})."
                    )
            failure = _fault_failure(profile, name, resource_id, resource_arn)
            assoc = ProfileResourceAssociation(
                **self._fresh("rpr-", name, profile_id),
                outcome=FAILED if failure else COMPLETE,
                outcome_message=failure or "",
                kind=resource_type,
                resource_arn=resource_arn,
                resource_type=resource_type,
                resource_properties=resource_properties,
                resource_id=resource_id,
                dns_name=dns_name,
            )
            self.resource_associations[assoc.id] = assoc
            result = assoc.to_dict()
        if resource_type == ENDPOINT and endpoint_region:
            for hook in list(on_endpoint_associated):  # AS-2: the endpoint shows Pending
                hook(self.account_id, endpoint_region, resource_id)
        return result

    def _find_resource_association(self, association_id: str) -> ProfileResourceAssociation:
        def readable(assoc: ProfileResourceAssociation) -> bool:
            profile = self._find_profile(assoc.profile_id)
            return profile is not None and self._visible(profile)

        found: ProfileResourceAssociation = self._find_association(
            "resource_associations",
            association_id,
            readable,
            "Profile resource association",
            "PROFILE_RESOURCE_ASSOCIATION",
        )
        return found

    def get_profile_resource_association(self, association_id: str) -> dict[str, Any]:
        with self._settled():
            return self._find_resource_association(association_id).to_dict()

    def disassociate_resource_from_profile(self, profile_id: str, resource_arn: str) -> dict[str, Any]:
        with self._settled():
            profile = self._get_owned_profile(profile_id)  # CP-9
            for assoc in self._profile_resource_associations(profile):
                if assoc.resource_arn == resource_arn:
                    if assoc.phase != DELETING:  # AS-1
                        assoc.start(DELETING, _now())
                    return assoc.to_dict()
            raise ResourceNotFoundException(
                f"[RSLVR-00000] Resource {resource_arn} is not associated with Profile {profile_id}.",
                "PROFILE_RESOURCE_ASSOCIATION",
            )

    def update_profile_resource_association(
        self, association_id: str, name: str | None, resource_properties: str | None
    ) -> dict[str, Any]:
        _validate_name(name, required=False)
        with self._settled():
            assoc = self._find_resource_association(association_id)
            if assoc.owner_id != self.account_id:  # CP-9
                raise AccessDeniedException(
                    f"Account {self.account_id} is not the owner of association {association_id}."
                )
            if assoc.phase == DELETING:
                raise ConflictException(f"Profile resource association {association_id} is being deleted.")
            if name is not None:
                assoc.name = name
            if resource_properties is not None:
                assoc.resource_properties = resource_properties
            assoc.start(UPDATING, _now())  # AS-1
            return assoc.to_dict()

    def list_profile_resource_associations(
        self,
        profile_id: str,
        resource_type: str | None,
        resource_arn: str | None,
        max_results: int | None,
        next_token: str | None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        with self._settled():
            profile = self._get_visible_profile(profile_id)
            found = self._profile_resource_associations(profile)
            if resource_type:
                found = [a for a in found if a.resource_type == resource_type]
            if resource_arn:
                found = [a for a in found if a.resource_arn == resource_arn]
            page, token = _paginate(found, max_results, next_token)
            return [a.to_dict() for a in page], token

    # ---- tags ----------------------------------------------------------------------------------

    def _set_tags(self, arn: str, tags: list[dict[str, str]] | dict[str, str] | None) -> None:
        if not tags:
            return
        pairs = tags.items() if isinstance(tags, dict) else ((t["Key"], t["Value"]) for t in tags)
        self.tags.setdefault(arn, {}).update(dict(pairs))

    def _check_taggable(self, arn: str) -> None:
        match = _PROFILES_ARN_RE.match(arn)
        if match and match["account"] == self.account_id and match["region"] == self.region_name:
            if match["kind"] == "profile" and match["id"] in self.profiles:
                return
            if match["kind"] == "profile-association" and match["id"] in self.profile_associations:
                return
        raise ResourceNotFoundException(f"Resource {arn} does not exist.")

    def list_tags_for_resource(self, arn: str) -> dict[str, str]:
        with self._settled():
            self._check_taggable(arn)
            return dict(self.tags.get(arn, {}))

    def tag_resource(self, arn: str, tags: dict[str, str]) -> None:
        with self._settled():
            self._check_taggable(arn)
            self._set_tags(arn, tags)

    def untag_resource(self, arn: str, tag_keys: list[str]) -> None:
        with self._settled():
            self._check_taggable(arn)
            current = self.tags.get(arn, {})
            for key in tag_keys:
                current.pop(key, None)

    # ---- the twin's view -------------------------------------------------------------------------

    def settled_view(self) -> dict[str, Any]:
        """The *settled* Profiles state of this backend's region, every account (AS-5).

        Only settled changes count: a Profile->VPC association or a resource association is
        present when ``COMPLETE``, or ``UPDATING``/``DELETING`` after it had completed (a
        disassociation takes effect only when it is gone); ``CREATING`` and ``FAILED`` ones (and
        ones deleted or updated before they ever completed) are absent. Shape::

            {
              "region": "us-east-1",
              "profiles": {
                "rp-…": {
                  "id": "rp-…", "arn": "arn:aws:route53profiles:…:profile/rp-…",
                  "name": "central", "owner_id": "111111111111",
                  "resources": [                       # settled resource associations
                    {"association_id": "rpr-…", "resource_arn": "arn:…",
                     "resource_type": "PRIVATE_HOSTED_ZONE" | "INTERFACE_VPC_ENDPOINT" | …,
                     "resource_id": "Z…" | "vpce-…" | …,
                     "dns_name": "lambda.us-east-1.amazonaws.com" | None,  # lower case, no dot
                     "status": "COMPLETE" | "UPDATING" | "DELETING"},
                  ],
                },
              },
              "vpc_profiles": {                        # RES-1: up to two per VPC, by priority
                "vpc-…": [{"profile_id": "rp-…", "association_id": "rpassoc-…",
                           "vpc_owner_id": "222222222222", "priority": 100,
                           "old_priority": 200 | None,   # AS-6: while a priority change is UPDATING
                           "status": "COMPLETE" | "UPDATING" | "DELETING"}],
              },
            }

        Every Profile of the region is listed (even without settled resources or VPCs).
        """
        with self._settled():
            profiles: dict[str, Any] = {}
            for backend in self._region_backends():
                for profile in backend.profiles.values():
                    resources = [
                        {
                            "association_id": a.id,
                            "resource_arn": a.resource_arn,
                            "resource_type": a.resource_type,
                            "resource_id": a.resource_id,
                            "dns_name": a.dns_name,
                            "status": a.status,
                        }
                        for a in sorted(backend.resource_associations.values(), key=lambda a: a.seq)
                        if a.profile_id == profile.id and a.settled
                    ]
                    profiles[profile.id] = {
                        "id": profile.id,
                        "arn": profile.arn,
                        "name": profile.name,
                        "owner_id": profile.owner_id,
                        "resources": resources,
                    }
            vpc_profiles: dict[str, list[dict[str, Any]]] = {}
            for assoc in sorted(self._all_profile_associations(), key=lambda a: (a.priority, a.seq)):
                if assoc.settled and assoc.profile_id in profiles:
                    vpc_profiles.setdefault(assoc.resource_id, []).append(
                        {
                            "profile_id": assoc.profile_id,
                            "association_id": assoc.id,
                            "vpc_owner_id": assoc.owner_id,
                            "priority": assoc.priority,
                            "old_priority": assoc.old_priority,
                            "status": assoc.status,
                        }
                    )
            return {"region": self.region_name, "profiles": profiles, "vpc_profiles": vpc_profiles}


route53profiles_backends = BackendDict(Route53ProfilesBackend, "route53profiles")
