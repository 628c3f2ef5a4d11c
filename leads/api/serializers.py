from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from leadflow.roles import Role, user_roles
from leads.choices import BANT_POINTS, Stage, Temperature
from leads.hooks import lead_field_values
from leads.models import Campaign, Channel, Lead
from leads.services.bulk.clean import NUL_MESSAGE, contains_nul
from leads.services.catalog import campaign_for_slug, channel_for_slug


class JSONObjectField(serializers.DictField):
    """A JSON object stored as jsonb: refuses NUL characters (PostgreSQL cannot store them) as a field error."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        value = super().to_internal_value(data)
        if contains_nul(value):
            raise serializers.ValidationError(NUL_MESSAGE)
        return value


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    roles = serializers.SerializerMethodField()

    def get_roles(self, user: Any) -> list[str]:
        return sorted(role.value for role in user_roles(user))


class BantSerializer(serializers.Serializer):
    budget = serializers.BooleanField(required=False)
    authority = serializers.BooleanField(required=False)
    need = serializers.BooleanField(required=False)
    timing = serializers.BooleanField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class LeadWriteSerializer(serializers.Serializer):
    """The body of create-or-upsert. Shape only: the services decide the rest."""

    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    title = serializers.CharField(required=False, allow_blank=True, max_length=150)
    company = serializers.CharField(required=False, allow_blank=True, max_length=200)
    company_domain = serializers.CharField(required=False, allow_blank=True, max_length=253)
    industry = serializers.CharField(required=False, allow_blank=True, max_length=100)
    employee_count = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    region = serializers.CharField(required=False, allow_blank=True, max_length=100)
    source_channel = serializers.SlugField(required=False, allow_blank=True, max_length=80)
    campaign = serializers.SlugField(required=False, allow_blank=True, max_length=80)
    external_id = serializers.CharField(required=False, allow_blank=True, max_length=200)
    source_system = serializers.CharField(required=False, allow_blank=True, max_length=50)
    consent_email = serializers.BooleanField(required=False, allow_null=True, default=None)
    bant = BantSerializer(required=False)
    attributes = JSONObjectField(required=False)
    created_at = serializers.DateTimeField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not any(attrs.get(key) for key in ("email", "phone", "external_id")):
            message = _("At least one of email, phone or external_id is required.")
            raise serializers.ValidationError({key: [message] for key in ("email", "phone", "external_id")})
        return attrs

    def to_service_data(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        if data.get("source_channel"):
            data["source_channel"] = channel_for_slug(slug=data["source_channel"])
        else:
            data.pop("source_channel", None)
        if data.get("campaign"):
            data["campaign"] = campaign_for_slug(slug=data["campaign"])
        else:
            data.pop("campaign", None)
        return data


class SlaSerializer(serializers.Serializer):
    policy = serializers.CharField(help_text=_("first_touch, mql_accept, sal_qualify or follow_up."))
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    met_at = serializers.DateTimeField(allow_null=True)
    breached_at = serializers.DateTimeField(allow_null=True)
    status = serializers.CharField(required=False, help_text=_("open, met, returned, cancelled or recycled."))
    met_late = serializers.BooleanField(required=False)
    owner = serializers.IntegerField(required=False, allow_null=True, help_text=_("User id the clock runs for."))


class EnrollmentSummarySerializer(serializers.Serializer):
    sequence = serializers.CharField()
    status = serializers.CharField()
    current_step = serializers.IntegerField(allow_null=True)
    next_run_at = serializers.DateTimeField(allow_null=True)


class LeadSerializer(serializers.ModelSerializer):
    source_channel: serializers.SlugRelatedField[Channel] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    campaign: serializers.SlugRelatedField[Campaign] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)  # type: ignore[var-annotated]
    bant = serializers.SerializerMethodField()
    sla = serializers.SerializerMethodField()
    enrollments = serializers.SerializerMethodField()

    class Meta:
        model = Lead
        fields = (
            "id", "email", "phone", "first_name", "last_name", "title", "company", "company_domain", "industry",
            "employee_count", "region", "source_channel", "campaign", "external_id", "source_system",
            "consent_email", "bant", "attributes", "stage", "temperature", "fit_score", "engagement_score",
            "source_score", "grade", "owner_sdr", "owner_sales", "account", "tags", "customer_check",
            "created_at", "updated_at", "stage_changed_at", "merged_into", "sla", "enrollments",
        )  # fmt: skip
        read_only_fields = fields

    def get_bant(self, lead: Lead) -> dict[str, Any]:
        return {**{point: getattr(lead, f"bant_{point}") for point in BANT_POINTS}, "notes": lead.bant_notes}

    @extend_schema_field(SlaSerializer(many=True))
    def get_sla(self, lead: Lead) -> list[dict[str, Any]]:
        # Filled by nurturing through leads.hooks; times rendered like every other field (with offset).
        return SlaSerializer(self._hooked("sla", lead), many=True).data  # type: ignore[return-value]

    @extend_schema_field(EnrollmentSummarySerializer(many=True))
    def get_enrollments(self, lead: Lead) -> list[dict[str, Any]]:
        return self._hooked("enrollments", lead)

    def _hooked(self, name: str, lead: Lead) -> Any:
        """A field another app provides (leads.hooks), computed once for the whole page being serialised."""
        siblings = self.parent.instance if isinstance(self.parent, serializers.ListSerializer) else None
        return lead_field_values(name=name, lead=lead, siblings=siblings, cache=self.context.setdefault("_hooks", {}))


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Stage.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True, default=None)
    currency = serializers.CharField(required=False, allow_blank=True, max_length=3, default="")
    expected_close = serializers.DateField(required=False, allow_null=True, default=None)
    bant = BantSerializer(required=False, default=None)
    skip = serializers.BooleanField(required=False, default=False)


class MergeSerializer(serializers.Serializer):
    survivor = serializers.IntegerField()
    other = serializers.IntegerField()



def _active_users_with_role(*roles: Role) -> QuerySet[Any]:
    holders = Q(groups__name__in=[str(role) for role in roles]) | Q(is_superuser=True)
    return get_user_model().objects.filter(holders, is_active=True).distinct()


class LeadPatchSerializer(LeadWriteSerializer):
    """PATCH body: any create field, plus owners (user ids; null unassigns), temperature and tags (names).

    Owners must be active users with a fitting role: an SDR (or sales manager) on the SDR side, a sales rep
    (or sales manager) on the sales side. Tags replace the lead's tags; unknown names are created.
    """

    owner_sdr = serializers.PrimaryKeyRelatedField(
        queryset=_active_users_with_role(Role.SDR, Role.SALES_MANAGER), required=False, allow_null=True
    )
    owner_sales = serializers.PrimaryKeyRelatedField(
        queryset=_active_users_with_role(Role.SALES, Role.SALES_MANAGER), required=False, allow_null=True
    )
    temperature = serializers.ChoiceField(choices=Temperature.choices, required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=100)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return attrs  # a partial edit needs no identifying field


class TimelineQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(required=False, min_value=1, max_value=500, default=100)
    before = serializers.DateTimeField(required=False, help_text=_("Only items older than this (next page)."))


class TimelineItemSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    type = serializers.CharField(help_text=_("stage_changed, touchpoint, or a lead event kind (owner_changed, "
                                             "temperature_changed, bant_changed, consent_changed, merged, ...)."))
    data = serializers.DictField()  # type: ignore[assignment]


class TimelineSerializer(serializers.Serializer):
    results = TimelineItemSerializer(many=True)
    next_before = serializers.DateTimeField(allow_null=True, help_text=_("Pass as `before` for older items."))
