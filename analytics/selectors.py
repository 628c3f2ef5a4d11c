"""Reads of analytics' own data (benchmark ranges). The figures themselves are in analytics.queries."""

from __future__ import annotations

from decimal import Decimal

from analytics.choices import DEFAULT_BENCHMARKS, BenchmarkStatus
from analytics.models import BenchmarkRange


def benchmarks_current() -> dict[str, tuple[Decimal, Decimal]]:
    """Every benchmark key with its (low, high) range: the edited row, else the spec default."""
    ranges = dict(DEFAULT_BENCHMARKS)
    for key, low, high in BenchmarkRange.objects.values_list("key", "low", "high"):
        ranges[key] = (low, high)
    return ranges


def benchmark_status(*, rate: float | None, low: Decimal, high: Decimal) -> str:
    """Where a rate falls against a range: below, within (inclusive) or above; no_data without a rate."""
    if rate is None:
        return BenchmarkStatus.NO_DATA
    if rate < float(low):
        return BenchmarkStatus.BELOW
    if rate > float(high):
        return BenchmarkStatus.ABOVE
    return BenchmarkStatus.WITHIN
