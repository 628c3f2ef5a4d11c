"""Admin for operators. Stages are read-only here: stage changes go through the lead page and the API,
which call leads.services.stages.lead_transition."""

from django.contrib import admin
from django.http import HttpRequest

from leads.models import (
    Campaign,
    Channel,
    Cost,
    Identity,
    Lead,
    LeadEvent,
    LeadImport,
    Opportunity,
    SiteKey,
    StageChange,
    Tag,
    Touchpoint,
)


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "category", "route", "prior_score", "needs_review", "is_active")
    list_filter = ("category", "route", "needs_review", "is_active")
    search_fields = ("name", "slug")


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "channel", "starts_on", "ends_on", "budget", "needs_review")
    list_filter = ("channel", "needs_review")
    search_fields = ("name", "slug")


@admin.register(Cost)
class CostAdmin(admin.ModelAdmin):
    list_display = ("month", "channel", "campaign", "category", "amount", "currency")
    list_filter = ("category", "channel")
    date_hierarchy = "month"


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "category")
    search_fields = ("name",)


class IdentityInline(admin.TabularInline):
    model = Identity
    extra = 0
    readonly_fields = ("kind", "value", "created_at")
    can_delete = False


class StageChangeInline(admin.TabularInline):
    model = StageChange
    extra = 0
    fields = ("at", "from_stage", "to_stage", "actor", "actor_label", "reason", "note", "implied")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ("__str__", "email", "company", "stage", "temperature", "grade", "owner_sdr", "owner_sales")
    list_filter = ("stage", "temperature", "source_channel", "customer_check")
    search_fields = ("email", "phone", "first_name", "last_name", "company")
    readonly_fields = ("stage", "stage_changed_at", "merged_into", "erased_at", "created_at", "updated_at")
    raw_id_fields = ("account", "owner_sdr", "owner_sales", "source_channel", "campaign")
    inlines = (IdentityInline, StageChangeInline)


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "amount", "won_amount", "expected_close", "owner")
    list_filter = ("status",)
    readonly_fields = ("status", "closed_at", "won_amount", "lost_reason")
    raw_id_fields = ("lead", "account", "owner")


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "kind", "lead", "channel", "campaign", "event_id")
    list_filter = ("kind", "channel")
    raw_id_fields = ("lead", "channel", "campaign")


@admin.register(LeadEvent)
class LeadEventAdmin(admin.ModelAdmin):
    list_display = ("at", "lead", "kind", "actor", "actor_label")
    list_filter = ("kind",)
    raw_id_fields = ("lead", "actor")


@admin.register(SiteKey)
class SiteKeyAdmin(admin.ModelAdmin):
    """Write keys for web forms and trackers posting to /api/v1/collect/."""

    list_display = ("name", "key", "active", "created_at")
    list_filter = ("active",)
    readonly_fields = ("key", "created_at", "updated_at")
    search_fields = ("name", "key")


@admin.register(LeadImport)
class LeadImportAdmin(admin.ModelAdmin):
    """Spreadsheet imports, read-only: they are made and run from the import pages (/leads/import/)."""

    list_display = ("id", "filename", "uploaded_by", "status", "total_rows", "created_count", "updated_count",
                    "failed_count", "created_at")  # fmt: skip
    list_filter = ("status", "file_type")
    search_fields = ("filename", "uploaded_by__username")
    exclude = ("rows",)  # up to 50,000 rows of cells: too large for a form

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: LeadImport | None = None) -> bool:
        return False

# Scoring rule sets and rescore runs (leads/scoring/admin.py).
from leads.scoring import admin as scoring_admin  # noqa: E402, F401
