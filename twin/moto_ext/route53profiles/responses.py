"""Wire format of Route 53 Profiles (restJson1): parameters parsed and results serialized by moto
from botocore's ``route53profiles`` model, so shapes and error codes are the model's."""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult, BaseResponse, EmptyResult

from .models import Route53ProfilesBackend, route53profiles_backends


class Route53ProfilesResponse(BaseResponse):
    """Handler for Route 53 Profiles requests."""

    def __init__(self) -> None:
        super().__init__(service_name="route53profiles")
        self.automated_parameter_parsing = True

    @property
    def backend(self) -> Route53ProfilesBackend:
        # The calling account comes from the request's credentials (moto's usual resolution).
        return route53profiles_backends[self.current_account][self.region]

    def _int(self, name: str) -> int | None:
        value = self._get_param(name)
        return int(value) if value is not None else None

    @staticmethod
    def _page(key: str, items: list[dict[str, Any]], token: str | None) -> ActionResult:
        result: dict[str, Any] = {key: items}
        if token:
            result["NextToken"] = token
        return ActionResult(result)

    # ---- Profiles ----------------------------------------------------------------------------

    def create_profile(self) -> ActionResult:
        profile = self.backend.create_profile(
            name=self._get_param("Name"),
            client_token=self._get_param("ClientToken"),
            tags=self._get_param("Tags"),
        )
        return ActionResult({"Profile": profile})

    def get_profile(self) -> ActionResult:
        return ActionResult({"Profile": self.backend.get_profile(self._get_param("ProfileId"))})

    def delete_profile(self) -> ActionResult:
        return ActionResult({"Profile": self.backend.delete_profile(self._get_param("ProfileId"))})

    def list_profiles(self) -> ActionResult:
        items, token = self.backend.list_profiles(self._int("MaxResults"), self._get_param("NextToken"))
        return self._page("ProfileSummaries", items, token)

    # ---- Profile <-> VPC ---------------------------------------------------------------------

    def associate_profile(self) -> ActionResult:
        assoc = self.backend.associate_profile(
            profile_id=self._get_param("ProfileId"),
            resource_id=self._get_param("ResourceId"),
            name=self._get_param("Name"),
            tags=self._get_param("Tags"),
            priority=self._int("Priority"),
        )
        return ActionResult({"ProfileAssociation": assoc})

    def get_profile_association(self) -> ActionResult:
        assoc = self.backend.get_profile_association(self._get_param("ProfileAssociationId"))
        return ActionResult({"ProfileAssociation": assoc})

    def disassociate_profile(self) -> ActionResult:
        assoc = self.backend.disassociate_profile(
            profile_id=self._get_param("ProfileId"), resource_id=self._get_param("ResourceId")
        )
        return ActionResult({"ProfileAssociation": assoc})

    def update_profile_association(self) -> ActionResult:
        assoc = self.backend.update_profile_association(
            association_id=self._get_param("ProfileAssociationId"),
            name=self._get_param("Name"),
            priority=self._int("Priority"),
        )
        return ActionResult({"ProfileAssociation": assoc})

    def list_profile_associations(self) -> ActionResult:
        items, token = self.backend.list_profile_associations(
            resource_id=self._get_param("ResourceId"),
            profile_id=self._get_param("ProfileId"),
            max_results=self._int("MaxResults"),
            next_token=self._get_param("NextToken"),
        )
        return self._page("ProfileAssociations", items, token)

    # ---- Profile <-> resources ---------------------------------------------------------------

    def associate_resource_to_profile(self) -> ActionResult:
        assoc = self.backend.associate_resource_to_profile(
            profile_id=self._get_param("ProfileId"),
            resource_arn=self._get_param("ResourceArn"),
            name=self._get_param("Name"),
            resource_properties=self._get_param("ResourceProperties"),
        )
        return ActionResult({"ProfileResourceAssociation": assoc})

    def disassociate_resource_from_profile(self) -> ActionResult:
        assoc = self.backend.disassociate_resource_from_profile(
            profile_id=self._get_param("ProfileId"), resource_arn=self._get_param("ResourceArn")
        )
        return ActionResult({"ProfileResourceAssociation": assoc})

    def get_profile_resource_association(self) -> ActionResult:
        assoc = self.backend.get_profile_resource_association(self._get_param("ProfileResourceAssociationId"))
        return ActionResult({"ProfileResourceAssociation": assoc})

    def update_profile_resource_association(self) -> ActionResult:
        assoc = self.backend.update_profile_resource_association(
            association_id=self._get_param("ProfileResourceAssociationId"),
            name=self._get_param("Name"),
            resource_properties=self._get_param("ResourceProperties"),
        )
        return ActionResult({"ProfileResourceAssociation": assoc})

    def list_profile_resource_associations(self) -> ActionResult:
        items, token = self.backend.list_profile_resource_associations(
            profile_id=self._get_param("ProfileId"),
            resource_type=self._get_param("ResourceType"),
            resource_arn=self._get_param("ResourceArn"),
            max_results=self._int("MaxResults"),
            next_token=self._get_param("NextToken"),
        )
        return self._page("ProfileResourceAssociations", items, token)

    # ---- tags --------------------------------------------------------------------------------

    def list_tags_for_resource(self) -> ActionResult:
        tags = self.backend.list_tags_for_resource(self._get_param("ResourceArn"))
        return ActionResult({"Tags": tags})

    def tag_resource(self) -> ActionResult:
        self.backend.tag_resource(self._get_param("ResourceArn"), self._get_param("Tags") or {})
        return EmptyResult()

    def untag_resource(self) -> ActionResult:
        self.backend.untag_resource(self._get_param("ResourceArn"), self._get_param("TagKeys") or [])
        return EmptyResult()
