"""The dashboard's filter bar and the attribution parameters as a person fills them in.

Parsing and validation of the common filters belong to `analytics.queries.base.filters_from_params` (the same
rules as the API); these forms only offer the choices and hold what was typed, so a bad value stays in its
field beside its error.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts.choices import Tier
from analytics.choices import AttributionGroup, AttributionModel
from leadflow.roles import Role
from leads.models import Campaign, Channel
from leads.segments.models import Segment

DEFAULT_LOOKBACK_DAYS = 180
DEFAULT_HALF_LIFE_DAYS = 7.0


class DashboardFilterForm(forms.Form):
    """Widgets of the shared filter bar; one channel and one campaign at a time (the API takes several)."""

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        date = forms.DateInput(attrs={"type": "date"})
        self.fields["from"] = forms.DateField(label=_("From"), required=False, widget=date)
        self.fields["to"] = forms.DateField(label=_("To"), required=False, widget=date)
        self.fields["channel"] = forms.ChoiceField(label=_("Channel"), required=False, choices=[
            ("", _("All channels")), *Channel.objects.order_by("name").values_list("pk", "name")])  # fmt: skip
        self.fields["campaign"] = forms.ChoiceField(label=_("Campaign"), required=False, choices=[
            ("", _("All campaigns")), *Campaign.objects.order_by("name").values_list("pk", "name")])  # fmt: skip
        self.fields["segment"] = forms.ChoiceField(label=_("Segment"), required=False, choices=[
            ("", _("All leads")), *Segment.objects.order_by("name").values_list("pk", "name")])  # fmt: skip
        self.fields["owner"] = forms.ChoiceField(label=_("Owner"), required=False, choices=[
            ("", _("Anyone")), *_owner_choices()])  # fmt: skip
        self.fields["account_tier"] = forms.ChoiceField(
            label=_("Account tier"), required=False, choices=[("", _("Any tier")), *Tier.choices]
        )


def _owner_choices() -> list[tuple[int, str]]:
    people = (
        get_user_model().objects.filter(is_active=True, groups__name__in=[Role.SDR, Role.SALES, Role.SALES_MANAGER])
        .distinct().order_by("last_name", "first_name", "username")
    )  # fmt: skip
    return [(user.pk, user.get_full_name() or user.get_username()) for user in people]


class AttributionParamsForm(forms.Form):
    """Model, grouping, lookback and half-life. Empty fields take the defaults; the query says what is out of
    range (a half-life of zero), and its message is shown beside the field."""

    model = forms.ChoiceField(label=_("Model"), required=False, choices=AttributionModel.choices)
    group_by = forms.ChoiceField(label=_("Group by"), required=False, choices=AttributionGroup.choices)
    lookback_days = forms.IntegerField(label=_("Lookback (days)"), required=False)
    half_life_days = forms.FloatField(label=_("Half-life (days)"), required=False)

    def params(self) -> dict[str, Any]:
        """The parameters to run with; call after is_valid()."""
        data = self.cleaned_data
        return attribution_params(data)


def attribution_params(data: dict[str, Any]) -> dict[str, Any]:
    """Attribution parameters with the spec's defaults for the ones not given."""
    return {
        "model": data.get("model") or AttributionModel.TIME_DECAY,
        "group_by": data.get("group_by") or AttributionGroup.CHANNEL,
        "lookback_days": DEFAULT_LOOKBACK_DAYS if data.get("lookback_days") is None else data["lookback_days"],
        "half_life_days": DEFAULT_HALF_LIFE_DAYS if data.get("half_life_days") is None else data["half_life_days"],
    }


class CalculatorForm(forms.Form):
    """The unit-economics calculator's inputs; rates are fractions (0.8 = 80 %) as in the API."""

    cac = forms.DecimalField(label=_("CAC"), max_digits=16, decimal_places=2, required=False)
    arpu = forms.DecimalField(label=_("ARPU (per year)"), max_digits=16, decimal_places=2, required=False)
    gross_margin = forms.DecimalField(
        label=_("Gross margin"), max_digits=6, decimal_places=4, required=False, help_text=_("0.8 = 80 %")
    )
    annual_churn = forms.DecimalField(
        label=_("Annual churn"), max_digits=6, decimal_places=4, required=False, help_text=_("0.2 = 20 % a year")
    )


class SimpleLtvForm(forms.Form):
    """The simple LTV form of the spec: price per purchase x purchases per year x average years."""

    price = forms.DecimalField(label=_("Price per purchase"), max_digits=16, decimal_places=2, min_value=0,
                               required=False)  # fmt: skip
    purchases_per_year = forms.DecimalField(label=_("Purchases per year"), max_digits=8, decimal_places=2,
                                            min_value=0, required=False)  # fmt: skip
    average_years = forms.DecimalField(label=_("Average years as a customer"), max_digits=6, decimal_places=2,
                                       min_value=0, required=False)  # fmt: skip


SIMULATOR_STARTS = (("visit", _("Visits")), ("lead", _("Leads")))


class SimulatorForm(forms.Form):
    """What-if inputs: where the funnel starts, how many enter it, one rate per step (fractions, 0.25 = 25 %)
    and the average deal. Empty fields keep the data's value."""

    start = forms.ChoiceField(label=_("Start from"), choices=SIMULATOR_STARTS, required=False)
    top = forms.DecimalField(label=_("How many enter"), max_digits=14, decimal_places=2, required=False)
    average_deal = forms.DecimalField(label=_("Average deal"), max_digits=16, decimal_places=2, required=False)

    def __init__(self, *args: Any, steps: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.steps = steps
        for index, (label_from, label_to) in enumerate(steps):
            self.fields[f"rate_{index}"] = forms.DecimalField(
                label=_("%(from)s → %(to)s") % {"from": label_from, "to": label_to}, max_digits=6, decimal_places=4,
                required=False,
            )  # fmt: skip

    def rate_fields(self) -> list[forms.BoundField]:
        return [self[f"rate_{index}"] for index in range(len(self.steps))]

    def rates(self) -> tuple[Any, ...] | None:
        """The edited rates, or None when none was typed (the data's rates apply)."""
        typed = [self.cleaned_data.get(f"rate_{index}") for index in range(len(self.steps))]
        return None if all(rate is None for rate in typed) else tuple(typed)


class EconomicsParamsForm(forms.Form):
    """Overrides of the unit-economics inputs on the dashboard (spec: ARPU and churn come from the data when
    there is enough of it and can be overridden; gross margin is a setting). Empty: the data / the setting."""

    gross_margin = forms.DecimalField(
        label=_("Gross margin"), max_digits=6, decimal_places=4, required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "placeholder": "0.8"}),
    )  # fmt: skip
    annual_churn = forms.DecimalField(
        label=_("Annual churn"), max_digits=6, decimal_places=4, required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "placeholder": "0.2"}),
    )  # fmt: skip
    arpu = forms.DecimalField(label=_("ARPU (per year)"), max_digits=16, decimal_places=2, required=False)

    def params(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in ("gross_margin", "annual_churn", "arpu")}
