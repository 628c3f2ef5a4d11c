from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class BenchmarkKey(models.TextChoices):
    """The funnel conversions that have a benchmark range beside them (spec/analytics.md, Funnel)."""

    VISIT_LEAD = "visit_lead", _("Visit → lead")
    LEAD_MQL = "lead_mql", _("Lead → MQL")
    MQL_SQL = "mql_sql", _("MQL → SQL")
    SQL_CUSTOMER = "sql_customer", _("SQL → customer")
    SAL_MQL = "sal_mql", _("SAL / MQL")


# (from stage, to stage) each benchmark compares: cohort counts of leads that reached them. "visit" is the
# top-of-funnel visitor count.
BENCHMARK_STEPS: dict[str, tuple[str, str]] = {
    BenchmarkKey.VISIT_LEAD: ("visit", "lead"),
    BenchmarkKey.LEAD_MQL: ("lead", "mql"),
    BenchmarkKey.MQL_SQL: ("mql", "sql"),
    BenchmarkKey.SQL_CUSTOMER: ("sql", "customer"),
    BenchmarkKey.SAL_MQL: ("mql", "sal"),
}

# Spec defaults: (low, high). For SAL/MQL the low end is "acceptable" (> 60 %) and the high end "good" (> 90 %).
DEFAULT_BENCHMARKS: dict[str, tuple[Decimal, Decimal]] = {
    BenchmarkKey.VISIT_LEAD: (Decimal("0.05"), Decimal("0.10")),
    BenchmarkKey.LEAD_MQL: (Decimal("0.20"), Decimal("0.30")),
    BenchmarkKey.MQL_SQL: (Decimal("0.20"), Decimal("0.40")),
    BenchmarkKey.SQL_CUSTOMER: (Decimal("0.20"), Decimal("0.30")),
    BenchmarkKey.SAL_MQL: (Decimal("0.60"), Decimal("0.90")),
}


class BenchmarkStatus(models.TextChoices):
    BELOW = "below", _("Below the benchmark")
    WITHIN = "within", _("Within the benchmark")
    ABOVE = "above", _("Above the benchmark")
    NO_DATA = "no_data", _("No data")


class LtvCacBand(models.TextChoices):
    LOSING = "losing", _("Losing money")
    UNHEALTHY = "unhealthy", _("Unhealthy")
    HEALTHY = "healthy", _("Healthy")
    VERY_HEALTHY = "very_healthy", _("Very healthy: invest more")
    NO_DATA = "no_data", _("No data")


class PaybackBand(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Good")
    NEEDS_WORK = "needs_work", _("Needs work")
    NO_DATA = "no_data", _("No data")


class AttributionModel(models.TextChoices):
    FIRST_TOUCH = "first_touch", _("First touch")
    LAST_TOUCH = "last_touch", _("Last touch")
    LINEAR = "linear", _("Linear")
    TIME_DECAY = "time_decay", _("Time decay")
    U_SHAPED = "u_shaped", _("U-shaped")
    W_SHAPED = "w_shaped", _("W-shaped")
    MARKOV = "markov", _("Markov (removal effect)")


class AttributionGroup(models.TextChoices):
    CHANNEL = "channel", _("Channel")
    CAMPAIGN = "campaign", _("Campaign")
    KIND = "kind", _("Touchpoint kind")
