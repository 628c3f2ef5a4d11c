"""Request and response shapes of the analytics API (spec/api.md, Analytics). Response serializers document
the JSON for drf-spectacular; the data itself comes from the query objects (`QueryResult.data`)."""

from __future__ import annotations

from rest_framework import serializers

from analytics.choices import (
    AttributionGroup,
    AttributionModel,
    BenchmarkKey,
    BenchmarkStatus,
    LtvCacBand,
    PaybackBand,
)
from analytics.queries.attribution import DEFAULT_HALF_LIFE_DAYS, DEFAULT_LOOKBACK_DAYS
from analytics.queries.simulate import DEFAULT_STAGES, SIMULATION_STAGES

MONEY = {"max_digits": 18, "decimal_places": 2, "coerce_to_string": True}


def _number(**kwargs: object) -> serializers.DecimalField:
    """A non-negative number as JSON number or decimal string (rates, amounts)."""
    return serializers.DecimalField(max_digits=24, decimal_places=8, **kwargs)  # type: ignore[arg-type]


# --- requests --------------------------------------------------------------------------------------------


class AttributionParamsSerializer(serializers.Serializer):
    model = serializers.ChoiceField(choices=AttributionModel.choices, default=AttributionModel.LINEAR)
    group_by = serializers.ChoiceField(choices=AttributionGroup.choices, default=AttributionGroup.CHANNEL)
    lookback_days = serializers.IntegerField(default=DEFAULT_LOOKBACK_DAYS)
    half_life_days = serializers.FloatField(default=DEFAULT_HALF_LIFE_DAYS)


class CompareParamsSerializer(AttributionParamsSerializer):
    model = None  # type: ignore[assignment]


class UnitEconomicsParamsSerializer(serializers.Serializer):
    gross_margin = _number(required=False, help_text="0-1; default: the LEADFLOW_GROSS_MARGIN setting")
    arpu = _number(required=False, help_text="Override the ARPU taken from the data")
    annual_churn = _number(required=False, help_text="0-1; override the churn taken from the revenue ledger")
    attribution_model = serializers.ChoiceField(choices=AttributionModel.choices, default=AttributionModel.LINEAR)
    lookback_days = serializers.IntegerField(default=DEFAULT_LOOKBACK_DAYS)


class CampaignRoiParamsSerializer(serializers.Serializer):
    gross_margin = _number(required=False)
    attribution_model = serializers.ChoiceField(choices=AttributionModel.choices, default=AttributionModel.LINEAR)
    lookback_days = serializers.IntegerField(default=DEFAULT_LOOKBACK_DAYS)


class CalculateRequestSerializer(serializers.Serializer):
    cac = _number()
    arpu = _number()
    gross_margin = _number(help_text="0-1")
    annual_churn = _number(help_text="more than 0, at most 1")


class SimulateRequestSerializer(serializers.Serializer):
    top = _number(required=False, help_text="Count entering the first stage; default: the period's own")
    stages = serializers.ListField(child=serializers.ChoiceField(choices=list(SIMULATION_STAGES)),
                                   default=list(DEFAULT_STAGES))  # fmt: skip
    rates = serializers.ListField(child=_number(), required=False,
                                  help_text="One per step between consecutive stages, 0-1; default: the data's")
    average_deal = _number(required=False, help_text="Default: the period's average won amount")


class BenchmarkWriteSerializer(serializers.Serializer):
    low = serializers.DecimalField(max_digits=5, decimal_places=4)
    high = serializers.DecimalField(max_digits=5, decimal_places=4)


class BenchmarkRangeSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=BenchmarkKey.choices)
    label = serializers.CharField()  # type: ignore[assignment]
    low = serializers.FloatField()
    high = serializers.FloatField()


# --- responses (documentation) -----------------------------------------------------------------------------


class FunnelStageSerializer(serializers.Serializer):
    stage = serializers.CharField()
    count = serializers.IntegerField()
    conversion_from_previous = serializers.FloatField(allow_null=True)
    flow_count = serializers.IntegerField(help_text="Entries into the stage in the period, whatever the cohort")


class BenchmarkRowSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=BenchmarkKey.choices)
    label = serializers.CharField()  # type: ignore[assignment]
    rate = serializers.FloatField(allow_null=True)
    low = serializers.FloatField()
    high = serializers.FloatField()
    status = serializers.ChoiceField(choices=BenchmarkStatus.choices)


class FlowSerializer(serializers.Serializer):
    stage = serializers.CharField()
    count = serializers.IntegerField()


class FunnelResponseSerializer(serializers.Serializer):
    stages = FunnelStageSerializer(many=True)
    overall = serializers.FloatField(allow_null=True, help_text="lead -> customer")
    visits = serializers.IntegerField()
    visit_to_lead = serializers.FloatField(allow_null=True)
    flow = FlowSerializer(many=True)
    benchmarks = BenchmarkRowSerializer(many=True)


class DurationSerializer(serializers.Serializer):
    leads = serializers.IntegerField()
    median_days = serializers.FloatField(allow_null=True)
    p75_days = serializers.FloatField(allow_null=True)


class VelocityStepSerializer(DurationSerializer):
    from_stage = serializers.CharField()
    to_stage = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]


class TimeInStageSerializer(DurationSerializer):
    stage = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]


class VelocityResponseSerializer(serializers.Serializer):
    steps = VelocityStepSerializer(many=True)
    time_in_stage = TimeInStageSerializer(many=True)
    sales_cycle = DurationSerializer()


class SlaCountsSerializer(serializers.Serializer):
    clocks = serializers.IntegerField()
    met_on_time = serializers.IntegerField()
    met_late = serializers.IntegerField()
    breached = serializers.IntegerField()
    open = serializers.IntegerField()
    stopped = serializers.IntegerField()
    compliance = serializers.FloatField(allow_null=True, help_text="met on time / (met on time + late + breached)")


class SlaPolicyRowSerializer(SlaCountsSerializer):
    policy = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]


class SlaOwnerRowSerializer(SlaCountsSerializer):
    owner_id = serializers.IntegerField(allow_null=True)
    owner = serializers.CharField()
    policy = serializers.CharField()


class ReturnedRowSerializer(serializers.Serializer):
    reason = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    returned = serializers.IntegerField()


class SdrRowSerializer(serializers.Serializer):
    owner_id = serializers.IntegerField(allow_null=True)
    owner = serializers.CharField()
    mqls = serializers.IntegerField()
    reached_sql = serializers.IntegerField()
    mql_to_sql = serializers.FloatField(allow_null=True)
    credited = serializers.IntegerField(help_text="Reached SQL and not returned within 14 days of it")


class SlaResponseSerializer(serializers.Serializer):
    policies = SlaPolicyRowSerializer(many=True)
    owners = SlaOwnerRowSerializer(many=True)
    returned_mqls = ReturnedRowSerializer(many=True)
    sal_mql = serializers.FloatField(allow_null=True)
    sdr_performance = SdrRowSerializer(many=True)


class AttributionRowSerializer(serializers.Serializer):
    key = serializers.CharField(allow_null=True, help_text="channel or campaign slug, or touchpoint kind")
    label = serializers.CharField()  # type: ignore[assignment]
    revenue = serializers.DecimalField(**MONEY)  # type: ignore[arg-type]
    conversions = serializers.FloatField()
    share = serializers.FloatField(allow_null=True)
    cost = serializers.DecimalField(allow_null=True, **MONEY)  # type: ignore[arg-type]
    roi = serializers.FloatField(allow_null=True)


class UnattributedSerializer(serializers.Serializer):
    conversions = serializers.IntegerField()
    revenue = serializers.DecimalField(**MONEY)  # type: ignore[arg-type]


class AttributionResponseSerializer(serializers.Serializer):
    model = serializers.ChoiceField(choices=AttributionModel.choices)
    group_by = serializers.ChoiceField(choices=AttributionGroup.choices)
    total_revenue = serializers.DecimalField(**MONEY)  # type: ignore[arg-type]
    total_conversions = serializers.IntegerField()
    unattributed = UnattributedSerializer()
    rows = AttributionRowSerializer(many=True)


class UnitEconomicsRowSerializer(serializers.Serializer):
    channel = serializers.CharField(allow_null=True)
    label = serializers.CharField()  # type: ignore[assignment]
    leads = serializers.IntegerField()
    mqls = serializers.IntegerField()
    new_customers = serializers.IntegerField()
    cost = serializers.DecimalField(**MONEY)  # type: ignore[arg-type]
    paid_cost = serializers.DecimalField(**MONEY)  # type: ignore[arg-type]
    cpl = serializers.DecimalField(allow_null=True, **MONEY)  # type: ignore[arg-type]
    cost_per_mql = serializers.DecimalField(allow_null=True, **MONEY)  # type: ignore[arg-type]
    cac_paid = serializers.DecimalField(allow_null=True, **MONEY)  # type: ignore[arg-type]
    cac = serializers.DecimalField(allow_null=True, **MONEY)  # type: ignore[arg-type]
    arpu = serializers.DecimalField(allow_null=True, **MONEY)  # type: ignore[arg-type]
    annual_churn = serializers.FloatField(allow_null=True)
    ltv = serializers.DecimalField(allow_null=True, **MONEY)  # type: ignore[arg-type]
    ltv_cac = serializers.FloatField(allow_null=True)
    band = serializers.ChoiceField(choices=LtvCacBand.choices)
    payback_months = serializers.FloatField(allow_null=True)
    payback_band = serializers.ChoiceField(choices=PaybackBand.choices)
    attributed_revenue = serializers.DecimalField(allow_null=True, **MONEY)  # type: ignore[arg-type]
    roi = serializers.FloatField(allow_null=True)
    attributed_ltv = serializers.DecimalField(allow_null=True, **MONEY)  # type: ignore[arg-type]
    roi_long_term = serializers.FloatField(allow_null=True)


class LedgerSerializer(serializers.Serializer):
    arpu = serializers.DecimalField(allow_null=True, **MONEY)  # type: ignore[arg-type]
    annual_churn = serializers.FloatField(allow_null=True)
    renewal_rate = serializers.FloatField(allow_null=True)
    nrr = serializers.FloatField(allow_null=True)
    active_customers_at_start = serializers.IntegerField()
    active_customers_at_end = serializers.IntegerField()
    churned = serializers.IntegerField()


class UnitEconomicsResponseSerializer(serializers.Serializer):
    gross_margin = serializers.FloatField()
    attribution_model = serializers.CharField()
    rows = UnitEconomicsRowSerializer(many=True)
    total = UnitEconomicsRowSerializer()
    ledger = LedgerSerializer()


class CalculateResponseSerializer(serializers.Serializer):
    ltv = serializers.DecimalField(allow_null=True, **MONEY)  # type: ignore[arg-type]
    ltv_cac = serializers.FloatField(allow_null=True)
    payback_months = serializers.FloatField(allow_null=True)
    lifetime_years = serializers.FloatField(allow_null=True)
    band = serializers.ChoiceField(choices=LtvCacBand.choices)
    payback_band = serializers.ChoiceField(choices=PaybackBand.choices)


class SimulationBaselineSerializer(serializers.Serializer):
    top = serializers.FloatField()
    rates = serializers.ListField(child=serializers.FloatField())
    average_deal = serializers.DecimalField(**MONEY)  # type: ignore[arg-type]
    counts = serializers.ListField(child=serializers.FloatField())
    revenue = serializers.DecimalField(**MONEY)  # type: ignore[arg-type]


class SimulateResponseSerializer(SimulationBaselineSerializer):
    stages = serializers.ListField(child=serializers.CharField())
    baseline = SimulationBaselineSerializer(help_text="The same stages with the period's own rates and deal")


class GenericResultSerializer(serializers.Serializer):
    """Panels whose rows are documented in analytics/queries (comparison, series, campaign ROI, SLA)."""

    rows = serializers.ListField(child=serializers.DictField())
