"""Writes of analytics' own data: benchmark ranges marketers edit beside the funnel."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from analytics.choices import BenchmarkKey
from analytics.models import BenchmarkRange
from analytics.versioning import data_version_bump
from leadflow.errors import ValidationFailed


@transaction.atomic
def benchmark_set(*, key: str, low: Decimal, high: Decimal, actor: Any = None) -> BenchmarkRange:
    """Store the range of one benchmark (rates 0-1, low <= high). Idempotent: the same values change nothing
    but `updated_at`. Cached funnel results go stale at once."""
    errors: dict[str, list[str]] = {}
    if key not in BenchmarkKey.values:
        errors["key"] = [_("Unknown benchmark.")]
    for name, value in (("low", low), ("high", high)):
        if not Decimal(0) <= value <= Decimal(1):
            errors[name] = [_("Enter a rate between 0 and 1.")]
    if not errors and low > high:
        errors["high"] = [_("The high end must not be below the low end.")]
    if errors:
        raise ValidationFailed(_("The benchmark range is not valid."), errors=errors)
    row, _created = BenchmarkRange.objects.update_or_create(
        key=key, defaults={"low": low, "high": high, "updated_by": actor if getattr(actor, "pk", None) else None}
    )
    transaction.on_commit(data_version_bump)
    return row


@transaction.atomic
def benchmark_reset(*, key: str) -> None:
    """Back to the spec default. Idempotent."""
    BenchmarkRange.objects.filter(key=key).delete()
    transaction.on_commit(data_version_bump)
