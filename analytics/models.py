from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from analytics.choices import BenchmarkKey
from leadflow.models import TimeStampedModel


class BenchmarkRange(TimeStampedModel):
    """An edited benchmark range (rates 0-1). Keys without a row use the spec default
    (analytics.choices.DEFAULT_BENCHMARKS)."""

    key = models.CharField(_("benchmark"), max_length=30, choices=BenchmarkKey.choices, unique=True)
    low = models.DecimalField(_("low"), max_digits=5, decimal_places=4)
    high = models.DecimalField(_("high"), max_digits=5, decimal_places=4)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("benchmark range")
        verbose_name_plural = _("benchmark ranges")
        ordering = ("key",)
        constraints = [
            models.CheckConstraint(condition=Q(low__gte=0, high__lte=1, low__lte=F("high")),
                                   name="benchmarkrange_0_low_high_1"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.key}: {self.low}-{self.high}"
