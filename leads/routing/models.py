"""Routing models. Imported by leads.models so they belong to the `leads` app (and its migrations)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User as AuthUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leadflow.models import TimeStampedModel
from leads.choices import OwnerSide
from leads.routing.choices import AssignmentMethod, NotificationKind, RouteReason, TeamRole

User = settings.AUTH_USER_MODEL


class Team(TimeStampedModel):
    """A group of SDRs or sales reps that assignment rules hand leads to. Its row is the routing lock."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    role = models.CharField(_("role"), max_length=10, choices=TeamRole.choices)
    members: models.ManyToManyField[AuthUser, Any] = models.ManyToManyField(
        User, verbose_name=_("members"), blank=True, related_name="routing_teams"
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class AssignmentRule(TimeStampedModel):
    """Conditions -> team -> method. Rules are tried in `order`; the first that yields an owner wins."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    side = models.CharField(_("owner side"), max_length=10, choices=OwnerSide.choices, default=OwnerSide.SDR)
    conditions = models.JSONField(
        _("conditions"), default=dict, blank=True,
        help_text=_("A segment rule tree (industry, region, account tier, employee count, ...); empty matches all."),
    )  # fmt: skip
    segment = models.ForeignKey(
        "leads.Segment", verbose_name=_("segment"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="rules")
    method = models.CharField(
        _("method"), max_length=20, choices=AssignmentMethod.choices, default=AssignmentMethod.ROUND_ROBIN
    )
    capacity = models.PositiveIntegerField(
        _("capacity (open leads per person)"), null=True, blank=True,
        help_text=_("Least loaded only: a person holding this many open leads gets no more."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        ordering = ("side", "order", "id")

    def __str__(self) -> str:
        return self.name

    @property
    def history_label(self) -> str:
        """The actor label of the owner changes this rule makes; its prefix survives a rename."""
        return f"{RULE_LABEL_PREFIX}{self.pk} {self.name}"[:120]


RULE_LABEL_PREFIX = "rule:"


class MonthlyAllocation(models.Model):
    """Sales ops' share for one person in one team for one month (weighted rules)."""

    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="allocations")
    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"), help_text=_("First day of the month."))
    weight = models.PositiveIntegerField(_("share"), default=100)

    class Meta:
        verbose_name = _("monthly allocation")
        verbose_name_plural = _("monthly allocations")
        ordering = ("month", "team", "user")
        constraints = [
            models.UniqueConstraint(fields=("team", "user", "month"), name="allocation_unique_team_user_month")
        ]

    def __str__(self) -> str:
        return f"{self.team_id}/{self.user_id} {self.month:%Y-%m}: {self.weight}"


class RuleTally(models.Model):
    """How many leads a rule gave a person in a month, and when last: the rotation state.

    Rotation picks the fewest (relative to the weight) and then the longest waiting, so it depends on what
    happened, never on user ids or the order people were created or added in.
    """

    rule = models.ForeignKey(AssignmentRule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="tallies")
    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))
    assigned = models.PositiveIntegerField(_("assigned"), default=0)
    last_assigned_at = models.DateTimeField(_("last assigned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rule tally")
        verbose_name_plural = _("rule tallies")
        constraints = [models.UniqueConstraint(fields=("rule", "user", "month"), name="ruletally_unique")]

    def __str__(self) -> str:
        return f"{self.rule_id}/{self.user_id} {self.month:%Y-%m}: {self.assigned}"


class RoutingLog(models.Model):
    """Every routing decision, including those that left the lead in the pool, with the reason."""

    lead = models.ForeignKey("leads.Lead", verbose_name=_("lead"), on_delete=models.CASCADE, related_name="+")
    side = models.CharField(_("owner side"), max_length=10, choices=OwnerSide.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=RouteReason.choices)
    rule = models.ForeignKey(
        AssignmentRule, verbose_name=_("rule"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        User, verbose_name=_("assigned to"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("routing decision")
        verbose_name_plural = _("routing decisions")
        ordering = ("-at", "-id")
        indexes = [models.Index(fields=("lead", "at"), name="routinglog_lead_at")]

    def __str__(self) -> str:
        return f"{self.lead_id} {self.side}: {self.reason}"


class SlaBreach(models.Model):
    """One SLA breach counted against a person. Minimal: the SLA clocks (a later issue) write these rows."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey(
        "leads.Lead", verbose_name=_("lead"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    policy = models.CharField(_("policy"), max_length=30)
    breached_at = models.DateTimeField(_("breached at"))

    class Meta:
        verbose_name = _("SLA breach")
        verbose_name_plural = _("SLA breaches")
        indexes = [models.Index(fields=("breached_at", "user"), name="slabreach_at_user")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.policy} @ {self.breached_at:%Y-%m-%d %H:%M}"


class Notification(models.Model):
    """An in-app message for one user (the bell in the header)."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey(
        "leads.Lead", verbose_name=_("lead"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    message = models.CharField(_("message"), max_length=500)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=("user", "created_at"), name="notification_unread", condition=Q(read_at__isnull=True))
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.message[:40]}"


class UserPreference(models.Model):
    """A person's language for what is sent to them when they are not looking (emails, notifications)."""

    user = models.OneToOneField(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+")
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)

    class Meta:
        verbose_name = _("user preference")
        verbose_name_plural = _("user preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language}"
