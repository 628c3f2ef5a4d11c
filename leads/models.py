from __future__ import annotations

import secrets
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leadflow.models import TimeStampedModel
from leads.choices import (
    BANT_POINTS,
    ChannelCategory,
    ChannelRoute,
    CostCategory,
    IdentityKind,
    ImportFileType,
    ImportRowStatus,
    ImportStatus,
    LeadEventKind,
    OpportunityStatus,
    Stage,
    Temperature,
    TouchpointKind,
)
from leads.stages import SALES_SIDE

User = settings.AUTH_USER_MODEL


class Channel(TimeStampedModel):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=120)
    category = models.CharField(_("category"), max_length=20, choices=ChannelCategory.choices)
    route = models.CharField(_("route"), max_length=20, choices=ChannelRoute.choices, default=ChannelRoute.SDR)
    prior_score = models.PositiveSmallIntegerField(_("prior score"), default=50)
    needs_review = models.BooleanField(_("needs review"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ("name",)
        constraints = [models.CheckConstraint(condition=Q(prior_score__lte=100), name="channel_prior_score_0_100")]

    def __str__(self) -> str:
        return self.name


class Campaign(TimeStampedModel):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    channel = models.ForeignKey(
        Channel, verbose_name=_("channel"), on_delete=models.PROTECT, null=True, blank=True, related_name="campaigns"
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    budget = models.DecimalField(_("budget"), max_digits=16, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    needs_review = models.BooleanField(_("needs review"), default=False)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ("-starts_on", "name")

    def __str__(self) -> str:
        return self.name


class Cost(TimeStampedModel):
    """Spend of one month on a channel or a campaign, by category."""

    channel = models.ForeignKey(Channel, verbose_name=_("channel"), on_delete=models.PROTECT, null=True, blank=True)
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, null=True, blank=True
    )
    month = models.DateField(_("month"), help_text=_("First day of the month."))
    category = models.CharField(_("category"), max_length=30, choices=CostCategory.choices)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")

    class Meta:
        verbose_name = _("cost")
        verbose_name_plural = _("costs")
        ordering = ("-month",)
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__isnull=False) | Q(campaign__isnull=False), name="cost_has_channel_or_campaign"
            ),
            models.UniqueConstraint(
                fields=("channel", "month", "category"),
                condition=Q(campaign__isnull=True),
                name="cost_unique_channel_month_category",
            ),
            models.UniqueConstraint(
                fields=("campaign", "month", "category"),
                condition=Q(campaign__isnull=False),
                name="cost_unique_campaign_month_category",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign or self.channel} {self.month:%Y-%m} {self.category}"


class Tag(TimeStampedModel):
    """A label on leads. A manual tag is set by people (UI, API, import); a rule tag follows its segment:
    LeadFlow adds it to the leads in the segment and removes it from the others (leads.services.tags)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    category = models.CharField(_("category"), max_length=50, blank=True)
    segment = models.ForeignKey(
        "leads.Segment", verbose_name=_("rule (segment)"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="rule_tags", help_text=_("Leave empty for a manual tag."),
    )
    synced_at = models.DateTimeField(_("synced at"), null=True, blank=True)

    @property
    def is_rule(self) -> bool:
        return self.segment_id is not None

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ("category", "name")

    def __str__(self) -> str:
        return self.name


class Lead(TimeStampedModel):
    email = models.CharField(_("email"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    title = models.CharField(_("title"), max_length=150, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    company_domain = models.CharField(_("company domain"), max_length=253, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    employee_count = models.PositiveIntegerField(_("employee count"), null=True, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    source_channel = models.ForeignKey(  # indexed by lead_channel_created
        Channel, verbose_name=_("source channel"), on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False,
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    external_id = models.CharField(_("external id"), max_length=200, blank=True)
    source_system = models.CharField(_("source system"), max_length=50, blank=True)
    consent_email = models.BooleanField(_("email consent"), default=False)
    consent_changed_at = models.DateTimeField(_("consent changed at"), null=True, blank=True)
    bant_budget = models.BooleanField(_("budget"), default=False)
    bant_authority = models.BooleanField(_("authority"), default=False)
    bant_need = models.BooleanField(_("need"), default=False)
    bant_timing = models.BooleanField(_("timing"), default=False)
    bant_notes = models.TextField(_("BANT notes"), blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)

    # Assigned only by leads.services.stages.lead_transition.
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.LEAD)
    stage_changed_at = models.DateTimeField(_("stage changed at"), default=timezone.now)
    temperature = models.CharField(
        _("temperature"), max_length=20, choices=Temperature.choices, default=Temperature.WARM
    )
    fit_score = models.PositiveSmallIntegerField(_("fit score"), default=0)
    engagement_score = models.PositiveSmallIntegerField(_("engagement score"), default=0)
    source_score = models.PositiveSmallIntegerField(_("source score"), default=0)
    grade = models.CharField(_("grade"), max_length=2, blank=True)
    # The `now` the scores above were computed for (engagement decays): written with them by leads.scoring.
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)
    owner_sdr = models.ForeignKey(  # indexed by lead_owner_sdr_stage
        User, verbose_name=_("SDR owner"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        db_index=False,
    )
    owner_sales = models.ForeignKey(  # indexed by lead_owner_sales_stage
        User, verbose_name=_("sales owner"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        db_index=False,
    )
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
    )
    customer_check = models.BooleanField(
        _("existing customer or open opportunity"),
        default=False,
        help_text=_("Set when the lead's account is a customer or has an open opportunity."),
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="leads")
    last_touch_at = models.DateTimeField(_("last touch at"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=("stage", "created_at"), name="lead_stage_created"),
            models.Index(fields=("owner_sdr", "stage"), name="lead_owner_sdr_stage"),
            models.Index(fields=("owner_sales", "stage"), name="lead_owner_sales_stage"),
            models.Index(fields=("source_channel", "created_at"), name="lead_channel_created"),
            models.Index(fields=("updated_at",), name="lead_updated"),
            # Silent since (the last touch, else creation): the nurture tick's silence and touch scans. Not partial,
            # so the planner has statistics for the expression (it ignores those of partial indexes).
            models.Index(Coalesce("last_touch_at", "created_at"), name="lead_silent_since"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(fit_score__lte=100), name="lead_fit_score_0_100"),
            models.CheckConstraint(condition=Q(engagement_score__lte=100), name="lead_engagement_score_0_100"),
            models.CheckConstraint(condition=Q(source_score__lte=100), name="lead_source_score_0_100"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        # Chinese names read family name first; "last_name first_name" without a space when both are CJK.
        name = f"{self.last_name}{self.first_name}" if _is_cjk(self.last_name + self.first_name) else (
            f"{self.first_name} {self.last_name}".strip()
        )
        return name or self.email or self.phone or f"#{self.pk}"

    @property
    def bant(self) -> dict[str, bool]:
        return {point: getattr(self, f"bant_{point}") for point in BANT_POINTS}

    @property
    def bant_count(self) -> int:
        return sum(self.bant.values())

    @property
    def primary_owner_side(self) -> str:
        """SDR until sales accepts (SAL), sales from then on."""
        return "sales" if self.stage in SALES_SIDE else "sdr"

    @property
    def primary_owner_id(self) -> int | None:
        return self.owner_sales_id if self.primary_owner_side == "sales" else self.owner_sdr_id


def _is_cjk(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


class Identity(TimeStampedModel):
    """One way to recognise a lead. A (kind, value) pair belongs to exactly one lead."""

    lead = models.ForeignKey(Lead, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(_("kind"), max_length=30, choices=IdentityKind.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)  # not indexed: never queried by it
    value = models.CharField(_("value"), max_length=300)

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        constraints = [models.UniqueConstraint(fields=("kind", "value"), name="identity_unique_kind_value")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class StageChange(models.Model):
    """History of every stage change: analytics are computed from these rows."""

    lead = models.ForeignKey(Lead, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="stage_changes",
                             db_index=False)  # indexed by stagechange_lead_at
    from_stage = models.CharField(_("from"), max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=20, choices=Stage.choices)
    at = models.DateTimeField(_("at"), db_index=True)
    # Not indexed: only deleting a user looks rows up by actor; every bulk write would pay for the index.
    actor = models.ForeignKey(User, verbose_name=_("actor"), on_delete=models.SET_NULL, null=True, blank=True,
                              db_index=False)
    actor_label = models.CharField(_("actor label"), max_length=120, blank=True)
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    note = models.TextField(_("note"), blank=True)
    implied = models.BooleanField(_("implied by a skip"), default=False)
    gates_bypassed = models.BooleanField(_("gates bypassed"), default=False)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ("at", "id")
        indexes = [
            models.Index(fields=("lead", "at"), name="stagechange_lead_at"),
            models.Index(fields=("to_stage", "at"), name="stagechange_to_at"),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.from_stage or '∅'} -> {self.to_stage} @ {self.at:%Y-%m-%d %H:%M}"


class LeadEvent(models.Model):
    """History of everything else that changes a lead: owners, temperature, BANT, consent, merges."""

    lead = models.ForeignKey(Lead, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="events",
                             db_index=False)  # indexed by leadevent_lead_at
    kind = models.CharField(_("kind"), max_length=30, choices=LeadEventKind.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    # Not indexed: only deleting a user looks rows up by actor; every bulk write would pay for the index.
    actor = models.ForeignKey(User, verbose_name=_("actor"), on_delete=models.SET_NULL, null=True, blank=True,
                              db_index=False)
    actor_label = models.CharField(_("actor label"), max_length=120, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("lead event")
        verbose_name_plural = _("lead events")
        ordering = ("at", "id")
        indexes = [models.Index(fields=("lead", "at"), name="leadevent_lead_at")]

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.kind} @ {self.at:%Y-%m-%d %H:%M}"


class Opportunity(TimeStampedModel):
    lead = models.ForeignKey(Lead, verbose_name=_("lead"), on_delete=models.PROTECT, related_name="opportunities")
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="opportunities",
    )
    owner = models.ForeignKey(User, verbose_name=_("owner"), on_delete=models.SET_NULL, null=True, blank=True)
    name = models.CharField(_("name"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    expected_close = models.DateField(_("expected close"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OpportunityStatus.choices, default=OpportunityStatus.OPEN
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    won_amount = models.DecimalField(
        _("contract value (first year)"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    lost_reason = models.CharField(_("lost reason"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ("-opened_at",)
        indexes = [models.Index(fields=("account", "status"), name="opportunity_account_status")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="opportunity_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class Touchpoint(models.Model):
    """One interaction. Known leads by `lead`; anonymous visitors by `anonymous_id` until they identify."""

    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), on_delete=models.CASCADE, null=True, blank=True, related_name="touchpoints"
    )
    anonymous_id = models.CharField(_("anonymous id"), max_length=200, blank=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=30, choices=TouchpointKind.choices)
    channel = models.ForeignKey(Channel, verbose_name=_("channel"), on_delete=models.PROTECT, null=True, blank=True)
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, null=True, blank=True
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    properties = models.JSONField(_("properties"), default=dict, blank=True)
    event_id = models.CharField(_("event id"), max_length=200, unique=True, null=True, blank=True)
    utm_source = models.CharField(_("UTM source"), max_length=200, blank=True)
    utm_medium = models.CharField(_("UTM medium"), max_length=200, blank=True)
    utm_campaign = models.CharField(_("UTM campaign"), max_length=200, blank=True)
    utm_term = models.CharField(_("UTM term"), max_length=200, blank=True)
    utm_content = models.CharField(_("UTM content"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("touchpoint")
        verbose_name_plural = _("touchpoints")
        ordering = ("-occurred_at", "-id")
        indexes = [models.Index(fields=("lead", "occurred_at"), name="touchpoint_lead_occurred")]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.occurred_at:%Y-%m-%d %H:%M}"


class ChangeKind(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    STAGE_CHANGED = "stage_changed", _("Stage changed")
    OWNER_CHANGED = "owner_changed", _("Owner changed")
    MERGED = "merged", _("Merged")
    ERASED = "erased", _("Erased")


class ChangeLog(models.Model):
    """Append-only feed of lead changes for incremental sync: `position` is the cursor.

    Written by the services in the same transaction as the change (leads.services.changes). Only `position`
    is set afterwards, once the row is committed (`changes_positions_assign`): ids follow insert order,
    positions follow commit order, which is what a reader paging forward needs.
    """

    id = models.BigAutoField(primary_key=True)
    lead = models.ForeignKey(Lead, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="changes",
                             db_index=False)  # indexed by changelog_lead_id
    kind = models.CharField(_("kind"), max_length=20, choices=ChangeKind.choices)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    at = models.DateTimeField(_("at"), default=timezone.now)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    position = models.BigIntegerField(_("feed position"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        ordering = ("id",)
        indexes = [
            models.Index(fields=("lead", "id"), name="changelog_lead_id"),
            models.Index(fields=("id",), name="changelog_unpositioned", condition=Q(position__isnull=True)),
        ]
        constraints = [  # partial: a fresh row (no position yet) costs no entry in it
            models.UniqueConstraint(fields=("position",), name="changelog_position_unique",
                                    condition=Q(position__isnull=False)),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"#{self.pk} {self.lead_id}: {self.kind}"


class IdempotencyRecord(models.Model):
    """The first answer to a write sent with an Idempotency-Key, kept 24 h per (user, key)."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    body = models.BinaryField(_("body"), default=b"", blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=("user", "key"), name="idempotency_unique_user_key")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class WebhookEvent(models.TextChoices):
    LEAD_CREATED = "lead.created", "lead.created"
    LEAD_STAGE_CHANGED = "lead.stage_changed", "lead.stage_changed"
    LEAD_ASSIGNED = "lead.assigned", "lead.assigned"
    SLA_BREACHED = "sla.breached", "sla.breached"
    LEAD_MERGED = "lead.merged", "lead.merged"


class WebhookSubscription(TimeStampedModel):
    """An outside URL that receives the chosen events, signed with its secret."""

    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(_("secret"), max_length=200)
    active = models.BooleanField(_("active"), default=True)
    failure_count = models.PositiveIntegerField(_("consecutive failures"), default=0)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ("id",)

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed (gave up)")


class WebhookDelivery(models.Model):
    """Outbox row: one event for one subscription, written in the transaction of the change."""

    subscription = models.ForeignKey(
        WebhookSubscription, verbose_name=_("subscription"), on_delete=models.CASCADE, related_name="deliveries"
    )
    delivery_id = models.UUIDField(_("delivery id"), unique=True, default=uuid.uuid4, editable=False)
    event = models.CharField(_("event"), max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField(_("payload"), default=dict, encoder=DjangoJSONEncoder)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ("-id",)
        indexes = [
            models.Index(
                fields=("next_attempt_at",), name="webhookdelivery_due", condition=Q(status="pending")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} -> {self.subscription_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery: what the receiver answered, or why it could not be reached."""

    delivery = models.ForeignKey(
        WebhookDelivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="attempt_log"
    )
    attempted_at = models.DateTimeField(_("attempted at"))
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    succeeded = models.BooleanField(_("succeeded"), default=False)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ("attempted_at", "id")

    def __str__(self) -> str:
        return f"{self.delivery_id} @ {self.attempted_at:%Y-%m-%d %H:%M:%S}: {self.status_code or self.error}"


class RevenueKind(models.TextChoices):
    NEW = "new", _("New")
    RENEWAL = "renewal", _("Renewal")
    EXPANSION = "expansion", _("Expansion")
    CONTRACTION = "contraction", _("Contraction")
    CHURN = "churn", _("Churn")


class RevenueEvent(TimeStampedModel):
    """A ledger row of an account's recurring revenue: LTV, churn and ROMI are computed from these rows.

    `amount` is never negative: the kind says which way it moves ARR (contraction and churn reduce it).
    A won opportunity writes its `new` event once (unique per opportunity).
    """

    account = models.ForeignKey(
        "accounts.Account", verbose_name=_("account"), on_delete=models.PROTECT, related_name="revenue_events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RevenueKind.choices)
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    opportunity = models.ForeignKey(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="revenue_events",
    )  # fmt: skip
    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("revenue event")
        verbose_name_plural = _("revenue events")
        ordering = ("-date", "-id")
        indexes = [models.Index(fields=("account", "date"), name="revenueevent_account_date")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="revenueevent_amount_not_negative"),
            models.UniqueConstraint(
                fields=("opportunity",), condition=Q(kind="new", opportunity__isnull=False),
                name="revenueevent_one_new_per_opportunity",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.account_id} {self.kind} {self.amount} {self.currency} @ {self.date}"


def site_key_generate() -> str:
    return "wk_" + secrets.token_urlsafe(24)


class SiteKey(TimeStampedModel):
    """A public write key for one web site's forms and trackers (POST /api/v1/collect/).

    The key is visible in the site's pages, so it can only add touchpoints and leads, and only from the
    site's own origins in a browser.
    """

    name = models.CharField(_("name"), max_length=120)
    key = models.CharField(_("key"), max_length=64, unique=True, default=site_key_generate, editable=False)
    allowed_origins = models.JSONField(
        _("allowed origins"), default=list, blank=True,
        help_text=_("Scheme and host, e.g. https://www.example.cn; a browser request from elsewhere is refused."),
    )  # fmt: skip
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("site key")
        verbose_name_plural = _("site keys")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def allows_origin(self, origin: str) -> bool:
        return origin.rstrip("/").lower() in {str(o).rstrip("/").lower() for o in self.allowed_origins}


class LeadImport(TimeStampedModel):
    """A spreadsheet of leads uploaded in the browser, mapped to lead fields and run through the bulk upsert.

    The parsed cells are kept, not the file: the mapping page, the preview and the run read the same rows, and
    a Celery worker on another machine needs nothing but the database. Once the run is over only the failed
    rows' cells stay (for the error report); the imported people live on in their leads, which can be erased.
    """

    uploaded_by = models.ForeignKey(
        User, verbose_name=_("uploaded by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    filename = models.CharField(_("file name"), max_length=255)
    file_type = models.CharField(_("file type"), max_length=10, choices=ImportFileType.choices)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    language = models.CharField(
        _("language"), max_length=10, blank=True, help_text=_("The uploader's language: row errors are worded in it.")
    )
    headers = models.JSONField(_("column headers"), default=list)
    rows = models.JSONField(_("rows"), default=list, help_text=_("[row number in the file, [cells]] per data row."))
    mapping = models.JSONField(
        _("column mapping"), default=list,
        help_text=_("One target per column: a lead field, “full_name”, “attribute”, or empty to skip it."),
    )  # fmt: skip
    defaults = models.JSONField(_("defaults"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    total_rows = models.PositiveIntegerField(_("rows in the file"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("leads created"), default=0)
    updated_count = models.PositiveIntegerField(_("leads updated"), default=0)
    failed_count = models.PositiveIntegerField(_("rows failed"), default=0)
    error = models.TextField(_("why the run stopped"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lead import")
        verbose_name_plural = _("lead imports")
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=("uploaded_by", "created_at"), name="leadimport_uploader_created")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.filename}"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == ImportStatus.DONE else 0
        return min(100, self.processed_rows * 100 // self.total_rows)


class LeadImportRow(models.Model):
    """What the run did with one data row of an import: the lead it created or updated, or why it failed."""

    lead_import = models.ForeignKey(
        LeadImport, verbose_name=_("lead import"), on_delete=models.CASCADE, related_name="row_results"
    )
    row_number = models.PositiveIntegerField(_("row number"), help_text=_("As the spreadsheet shows it (header = 1)."))
    status = models.CharField(_("status"), max_length=10, choices=ImportRowStatus.choices)
    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    errors = models.JSONField(_("errors"), default=dict, blank=True)

    class Meta:
        verbose_name = _("lead import row")
        verbose_name_plural = _("lead import rows")
        ordering = ("lead_import", "row_number")
        constraints = [
            models.UniqueConstraint(fields=("lead_import", "row_number"), name="leadimportrow_unique_row"),
        ]

    def __str__(self) -> str:
        return f"{self.lead_import_id}:{self.row_number} {self.status}"


# Auto-qualification rules (lead -> MQL, temperature -> hot) live in leads/qualification/.
from leads.qualification.models import QualificationRule  # noqa: E402, F401

# Routing (teams, assignment rules, allocations, SLA breaches, notifications) lives in leads/routing/.
from leads.routing.models import (  # noqa: E402, F401
    AssignmentRule,
    MonthlyAllocation,
    Notification,
    RoutingLog,
    RuleTally,
    SlaBreach,
    Team,
    UserPreference,
)

# Scoring rule sets and rescore runs live with the scoring engine (leads/scoring/).
from leads.scoring.models import ChannelConversion, RescoreRun, ScoringRuleSet  # noqa: E402, F401

# Saved segments live with their compiler (leads/segments/); imported here so they belong to this app.
from leads.segments.models import Segment  # noqa: E402, F401
