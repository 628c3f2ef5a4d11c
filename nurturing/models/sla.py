"""SLA policies (editable data) and SLA clocks (one row per clock started on a lead).

A clock is *open* while `closed_at` is null. It may be breached (once, `breached_at`) and stay open: a late
acceptance still closes it, as met late. The tick scans open, unbreached clocks by `due_at` on a partial
index, so the scan costs the due rows, not the table.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from leadflow.models import TimeStampedModel

__all__ = ["ClockStatus", "DeadlineUnit", "PolicyCode", "SlaClock", "SlaPolicy"]


class PolicyCode(models.TextChoices):
    FIRST_TOUCH = "first_touch", _("First touch")
    MQL_ACCEPT = "mql_accept", _("MQL acceptance")
    SAL_QUALIFY = "sal_qualify", _("SAL qualification")
    FOLLOW_UP = "follow_up", _("Follow-up")


class DeadlineUnit(models.TextChoices):
    HOURS = "hours", _("hours")
    # Hours that only run on working days: a clock started before a weekend or holiday pauses over it.
    BUSINESS_HOURS = "business_hours", _("business hours")
    BUSINESS_DAYS = "business_days", _("business days")


class ClockStatus(models.TextChoices):
    OPEN = "open", _("Running")
    MET = "met", _("Met")
    RETURNED = "returned", _("Returned")
    CANCELLED = "cancelled", _("Stopped")
    RECYCLED = "recycled", _("Recycled to the pool")


class SlaPolicy(TimeStampedModel):
    """One SLA: how long the owner has. Seeded by a migration; sales ops may change the deadline."""

    code = models.CharField(_("policy"), max_length=30, choices=PolicyCode.choices, unique=True)
    name = models.CharField(_("name"), max_length=120)
    deadline = models.PositiveIntegerField(_("deadline"))
    unit = models.CharField(_("unit"), max_length=20, choices=DeadlineUnit.choices, default=DeadlineUnit.HOURS)
    active = models.BooleanField(_("active"), default=True, help_text=_("An inactive policy starts no clocks."))
    recycle_on_breach = models.BooleanField(
        _("recycle on breach"), default=False,
        help_text=_("On breach, take the lead from its owner, return it to the pool and reassign it."),
    )  # fmt: skip
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ("code",)

    def __str__(self) -> str:
        return f"{self.get_code_display()} ({self.deadline} {self.get_unit_display()})"


class SlaClock(models.Model):
    """One clock on one lead for one owner. At most one open clock per lead and policy."""

    lead = models.ForeignKey("leads.Lead", verbose_name=_("lead"), on_delete=models.CASCADE, related_name="+")
    policy = models.ForeignKey(SlaPolicy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="clocks")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    status = models.CharField(_("status"), max_length=20, choices=ClockStatus.choices, default=ClockStatus.OPEN)
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"))
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    met_late = models.BooleanField(_("met late"), default=False)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_reason = models.CharField(_("why it closed"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        ordering = ("-started_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=("lead", "policy"), condition=Q(closed_at__isnull=True),
                                    name="slaclock_one_open_per_lead_policy"),
        ]  # fmt: skip
        indexes = [
            # The tick's scan: open clocks not yet breached, by due time.
            models.Index(fields=("due_at",), name="slaclock_due_open",
                         condition=Q(closed_at__isnull=True, breached_at__isnull=True)),
            # Inboxes and the manager's board: a person's running clocks.
            models.Index(fields=("owner", "due_at"), name="slaclock_owner_open", condition=Q(closed_at__isnull=True)),
            models.Index(fields=("lead", "started_at"), name="slaclock_lead_started"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.lead_id} {self.policy_id} due {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
