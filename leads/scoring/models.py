"""Scoring rule sets (versioned, exactly one live) and bulk rescore runs. Imported by leads.models so they
belong to the `leads` app; changed only through leads.scoring.services (and, for a draft's rules, the admin)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from leadflow.models import TimeStampedModel
from leads.scoring.rules import RuleSetConfig, config_build

CONFIG_FIELDS = (
    "half_life_days", "touchpoint_points", "negative_rules", "fit_rules", "fit_thresholds",
    "engagement_thresholds", "mql_grades", "source_pseudo_count", "reference_mql_rate",
    "reference_customer_rate", "no_channel_score",
)  # fmt: skip


class RuleSetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    LIVE = "live", _("Live")
    RETIRED = "retired", _("Retired")


class ScoringRuleSet(TimeStampedModel):
    """One version of the scoring rules (formulas: leads.scoring.rules). A live or retired version is never
    edited: a change is a new draft, back-tested, then activated."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    status = models.CharField(_("status"), max_length=10, choices=RuleSetStatus.choices, default=RuleSetStatus.DRAFT)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    half_life_days = models.FloatField(_("engagement half-life (days)"), default=30)
    touchpoint_points = models.JSONField(_("points per touchpoint kind"), default=dict, blank=True)
    negative_rules = models.JSONField(
        _("negative behaviour"), default=list, blank=True,
        help_text=_('[{"label", "kind" (optional), "property", "op": "eq" or "contains", "value", "points" (≤ 0)}]'),
    )  # fmt: skip
    fit_rules = models.JSONField(
        _("fit rules"), default=dict, blank=True,
        help_text=_('{"key_account": [...], "standard": [...], "long_tail": [...]}, each rule '
                    '{"label", "field", "op", "value", "points"}'),
    )  # fmt: skip
    fit_thresholds = models.JSONField(_("fit letter thresholds"), default=dict, blank=True)
    engagement_thresholds = models.JSONField(_("engagement digit thresholds"), default=dict, blank=True)
    mql_grades = models.JSONField(_("MQL-worthy grades"), default=list, blank=True)
    source_pseudo_count = models.PositiveIntegerField(
        _("source prior weight (leads)"), default=50,
        help_text=_("How many leads of history weigh as much as the channel's prior."),
    )  # fmt: skip
    reference_mql_rate = models.FloatField(_("reference lead → MQL rate"), default=0.3)
    reference_customer_rate = models.FloatField(_("reference lead → customer rate"), default=0.02)
    no_channel_score = models.PositiveSmallIntegerField(_("source score without a channel"), default=30)

    class Meta:
        verbose_name = _("scoring rule set")
        verbose_name_plural = _("scoring rule sets")
        ordering = ("-version",)
        constraints = [
            models.UniqueConstraint(fields=("status",), condition=Q(status="live"), name="scoringruleset_one_live"),
        ]

    def __str__(self) -> str:
        return f"v{self.version} ({self.get_status_display()})"

    def config(self) -> RuleSetConfig:
        return config_build({name: getattr(self, name) for name in CONFIG_FIELDS})

    def clean(self) -> None:
        self.config()

    def config_data(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in CONFIG_FIELDS}


class RescoreStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Rescoring")
    DONE = "done", _("Done")
    FAILED = "failed", _("Stopped")


class RescoreRun(models.Model):
    """One bulk rescore of every lead with one rule set, chunk by chunk of lead ids; `last_id` lets a run
    that stopped go on where it was. `now` is fixed when the run is created so every chunk decays alike."""

    ruleset = models.ForeignKey(ScoringRuleSet, verbose_name=_("rule set"), on_delete=models.PROTECT,
                                related_name="runs")  # fmt: skip
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RescoreStatus.choices, default=RescoreStatus.QUEUED)
    now = models.DateTimeField(_("scored as of"))
    total = models.PositiveIntegerField(_("leads to score"), default=0)
    done = models.PositiveIntegerField(_("leads scored"), default=0)
    last_id = models.BigIntegerField(_("last lead id scored"), default=0)
    error = models.TextField(_("why the run stopped"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rescore run")
        verbose_name_plural = _("rescore runs")
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"#{self.pk} v{self.ruleset_id} {self.status}"

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.status == RescoreStatus.DONE else 0
        return min(100, self.done * 100 // self.total)

    @property
    def active(self) -> bool:
        return self.status in (RescoreStatus.QUEUED, RescoreStatus.RUNNING)


class ChannelConversion(models.Model):
    """A channel's history as the source score reads it: its leads, how many reached MQL or beyond, how many
    became customers. Counted in one aggregate query nightly and before every full rescore, so refreshing
    one lead's scores when a touchpoint arrives costs no scan of the lead table."""

    channel = models.OneToOneField("leads.Channel", verbose_name=_("channel"), on_delete=models.CASCADE,
                                   primary_key=True, related_name="+")  # fmt: skip
    leads = models.PositiveIntegerField(_("leads"), default=0)
    mql = models.PositiveIntegerField(_("reached MQL or beyond"), default=0)
    customers = models.PositiveIntegerField(_("became customers"), default=0)
    counted_at = models.DateTimeField(_("counted at"))

    class Meta:
        verbose_name = _("channel conversion")
        verbose_name_plural = _("channel conversions")

    def __str__(self) -> str:
        return f"{self.channel_id}: {self.mql}/{self.customers} of {self.leads}"
