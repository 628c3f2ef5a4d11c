"""Qualification rules. Imported by leads.models so they belong to the `leads` app (and its migrations)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from leadflow.models import TimeStampedModel

RULE_LABEL_PREFIX = "qualification:"


class QualificationAction(models.TextChoices):
    MQL = "mql", _("Qualify to MQL")
    HOT = "hot", _("Make hot")


class QualificationRule(TimeStampedModel):
    """When a lead is in `segment`, do `action`. Tried in `order`; every matching rule acts (an MQL rule on a
    lead already past `lead` and a hot rule on a hot lead do nothing)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    action = models.CharField(_("action"), max_length=10, choices=QualificationAction.choices)
    segment = models.ForeignKey(
        "leads.Segment", verbose_name=_("segment"), on_delete=models.PROTECT, related_name="qualification_rules",
        help_text=_("Leads in this segment meet the rule."),
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    fired = models.PositiveIntegerField(_("times fired"), default=0)
    last_fired_at = models.DateTimeField(_("last fired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("qualification rule")
        verbose_name_plural = _("qualification rules")
        ordering = ("order", "id")

    def __str__(self) -> str:
        return self.name

    @property
    def history_label(self) -> str:
        """The actor label of the changes this rule makes; its prefix survives a rename."""
        return f"{RULE_LABEL_PREFIX}{self.pk} {self.name}"[:120]
