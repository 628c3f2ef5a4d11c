"""Forms of the marketing pages: they check the input's shape; the services decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from leadflow.errors import ApplicationError
from leads.choices import CostCategory
from leads.marketing.selectors import CampaignStatus
from leads.models import Campaign, Channel


class ServiceErrorsMixin:
    def add_service_errors(self, error: ApplicationError) -> None:
        """The service's messages next to the fields they name; the rest above the form."""
        form: Any = self
        for name, messages in error.errors.items():
            for message in messages:
                form.add_error(name if name in form.fields else None, message)
        if not error.errors:
            form.add_error(None, error.message)


class CampaignForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.CharField(
        label=_("Slug"), max_length=80, required=False,
        help_text=_("Used by imports, UTM links and the API. Empty: made from the name (latin letters only)."),
    )  # fmt: skip
    channel = forms.ModelChoiceField(label=_("Channel"), queryset=Channel.objects.order_by("name"), required=False)
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    budget = forms.DecimalField(label=_("Budget"), max_digits=16, decimal_places=2, required=False, min_value=0)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial=settings.LEADFLOW["DEFAULT_CURRENCY"])
    needs_review = forms.BooleanField(
        label=_("Needs review"), required=False,
        help_text=_("Set when a sync created the campaign on first use; clear it once checked."),
    )  # fmt: skip

    @classmethod
    def for_campaign(cls, campaign: Campaign) -> CampaignForm:
        return cls(initial={
            "name": campaign.name, "slug": campaign.slug, "channel": campaign.channel, "starts_on": campaign.starts_on,
            "ends_on": campaign.ends_on, "budget": campaign.budget, "currency": campaign.currency,
            "needs_review": campaign.needs_review,
        })  # fmt: skip


class CampaignFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    channel = forms.ModelChoiceField(
        label=_("Channel"), queryset=Channel.objects.order_by("name"), required=False, empty_label=_("All channels")
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[("", _("Any status")), (CampaignStatus.UPCOMING, _("Upcoming")),
                 (CampaignStatus.RUNNING, _("Running")), (CampaignStatus.ENDED, _("Ended"))],
    )  # fmt: skip
    needs_review = forms.BooleanField(label=_("Needs review only"), required=False)


class CostGridForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    currency = forms.RegexField(label=_("Currency"), regex=r"^[A-Za-z]{3}$", max_length=3)
    channel = forms.ModelChoiceField(
        label=_("Channel"), queryset=Channel.objects.order_by("name"), required=False, empty_label=_("All channels")
    )


class CostRowAddForm(forms.Form):
    """A new grid row: a channel or one of its campaigns, and a category."""

    target = forms.ChoiceField(label=_("Channel or campaign"))
    category = forms.ChoiceField(label=_("Category"), choices=CostCategory.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        campaigns: dict[int | None, list[tuple[str, str]]] = {}
        for campaign in Campaign.objects.order_by("name"):
            campaigns.setdefault(campaign.channel_id, []).append((f"campaign-{campaign.pk}", f"— {campaign.name}"))
        choices: list[tuple[str, str]] = []
        for channel in Channel.objects.order_by("name"):
            choices.append((f"channel-{channel.pk}", channel.name))
            choices.extend(campaigns.get(channel.pk, []))
        choices.extend(campaigns.get(None, []))
        target: Any = self.fields["target"]
        target.choices = choices


class CostImportForm(forms.Form):
    file = forms.FileField(
        label=_("Cost file"), widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
        help_text=_("Columns: month (2026-03), channel, campaign, category, amount, currency. CSV in UTF-8 "
                    "(with or without BOM) or GBK, or Excel .xlsx."),
    )  # fmt: skip
