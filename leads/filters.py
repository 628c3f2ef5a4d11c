"""One FilterSet for every list of leads: the HTML lead list and the REST API list share it.

The caller passes a queryset already limited to what the user may see (`leads.selectors.leads_visible_to`);
the filters only narrow it. Every filter is a plain query parameter, so a filtered list is a shareable URL:
`?stage=mql&stage=sal&channel=baidu-sem&q=acme&sort=grade`.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Case, Q, QuerySet, Value, When
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from accounts.choices import Tier
from leadflow.roles import Role
from leads.choices import Stage, Temperature
from leads.models import Campaign, Channel, Lead, LeadImport, LeadImportRow
from leads.selectors import lead_imports_visible_to

User = get_user_model()

GRADE_LETTERS = ("A", "B", "C", "D")
MAX_SEARCH_TERMS = 5


class Sort(models.TextChoices):
    NEWEST = "-created", _("Newest first")
    OLDEST = "created", _("Oldest first")
    STAGE_CHANGED = "-stage_changed", _("Stage changed recently")
    GRADE = "grade", _("Best grade first")


def _users_with_role(*roles: Role) -> QuerySet[Any]:
    holders = Q(groups__name__in=[str(role) for role in roles]) | Q(is_superuser=True)
    return (
        User.objects.filter(holders, is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def _sdr_users(request: Any) -> QuerySet[Any]:
    return _users_with_role(Role.SDR, Role.SALES_MANAGER)


def _sales_users(request: Any) -> QuerySet[Any]:
    return _users_with_role(Role.SALES, Role.SALES_MANAGER)


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.get_username()


class UserChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = UserChoiceField


class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class LeadFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label=_("Search"))
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices, label=_("Stage"))
    temperature = django_filters.MultipleChoiceFilter(choices=Temperature.choices, label=_("Temperature"))
    owner = django_filters.NumberFilter(method="filter_owner", label=_("Owner (SDR or sales)"))
    owner_sdr = UserChoiceFilter(queryset=_sdr_users, label=_("SDR owner"), empty_label=_("Any"))
    owner_sales = UserChoiceFilter(queryset=_sales_users, label=_("Sales owner"), empty_label=_("Any"))
    channel = django_filters.ModelChoiceFilter(
        field_name="source_channel", to_field_name="slug", queryset=Channel.objects.order_by("name"),
        label=_("Channel"), empty_label=_("Any"),
    )  # fmt: skip
    campaign = django_filters.ModelChoiceFilter(
        to_field_name="slug", queryset=Campaign.objects.order_by("name"), label=_("Campaign"), empty_label=_("Any")
    )
    grade = django_filters.CharFilter(method="filter_grade", label=_("Grade"))
    account_tier = django_filters.MultipleChoiceFilter(
        field_name="account__tier", choices=Tier.choices, label=_("Account tier")
    )
    tag = django_filters.CharFilter(field_name="tags__name", label=_("Tag"))
    customer_check = django_filters.BooleanFilter(label=_("Customer check"))
    created_after = django_filters.DateTimeFilter(
        field_name="created_at", lookup_expr="gte", label=_("Created from")
    )
    created_before = django_filters.DateTimeFilter(
        field_name="created_at", lookup_expr="lt", label=_("Created before")
    )
    updated_since = django_filters.DateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label=_("Updated since")
    )
    lead_import = IdFilter(method="filter_lead_import", min_value=1, label=_("Created or updated by import"))
    sort = django_filters.ChoiceFilter(
        choices=Sort.choices, method="filter_sort", empty_label=None, label=_("Sort")
    )

    class Meta:
        model = Lead
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        """Every word must match the name, email, phone or company (case-insensitive)."""
        terms = value.split()[:MAX_SEARCH_TERMS]
        if not terms:
            return queryset
        queryset = queryset.annotate(
            _name_cjk=Concat("last_name", "first_name"),
            _name_latin=Concat("first_name", Value(" "), "last_name"),
        )
        for term in terms:
            queryset = queryset.filter(
                Q(_name_cjk__icontains=term) | Q(_name_latin__icontains=term) | Q(email__icontains=term)
                | Q(phone__icontains=term.lstrip("+")) | Q(company__icontains=term)
            )  # fmt: skip
        return queryset

    def filter_owner(self, queryset: QuerySet[Lead], name: str, value: Any) -> QuerySet[Lead]:
        return queryset.filter(Q(owner_sdr_id=value) | Q(owner_sales_id=value))

    def filter_grade(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        """Comma-separated grades; a bare letter ("A") means the whole fit band (A1–A4)."""
        condition = Q(pk__in=[])
        for grade in (part.strip().upper() for part in value.split(",")):
            if grade in GRADE_LETTERS:
                condition |= Q(grade__startswith=grade)
            elif grade:
                condition |= Q(grade=grade)
        return queryset.filter(condition)

    def filter_lead_import(self, queryset: QuerySet[Lead], name: str, value: Any) -> QuerySet[Lead]:
        """Leads that one import created or updated, if the user may see that import."""
        imports = LeadImport.objects.all() if self.request is None else lead_imports_visible_to(user=self.request.user)
        rows = LeadImportRow.objects.filter(lead_import__in=imports.filter(pk=value).values("pk"), lead__isnull=False)
        return queryset.filter(pk__in=rows.values("lead_id"))

    def filter_sort(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        return lead_sort(queryset, value)

    def filter_queryset(self, queryset: QuerySet[Lead]) -> QuerySet[Lead]:
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("sort"):
            queryset = lead_sort(queryset, Sort.NEWEST)
        return queryset


def lead_sort(queryset: QuerySet[Lead], sort: str) -> QuerySet[Lead]:
    """Order leads by one of `Sort`; the id breaks ties so pages never repeat or skip a row."""
    if sort == Sort.OLDEST:
        return queryset.order_by("created_at", "id")
    if sort == Sort.STAGE_CHANGED:
        return queryset.order_by("-stage_changed_at", "-id")
    if sort == Sort.GRADE:
        ungraded_last = Case(When(grade="", then=Value(1)), default=Value(0))
        return queryset.order_by(ungraded_last, "grade", "-created_at", "-id")
    return queryset.order_by("-created_at", "-id")
