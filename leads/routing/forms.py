"""Forms of the sales-ops routing pages. They only parse input; the services in leads.routing.editing
validate and write, and their field-named errors are put back on these forms (`errors_apply`)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from leadflow.errors import ValidationFailed
from leads.choices import OwnerSide
from leads.models import Segment
from leads.routing.choices import AssignmentMethod, TeamRole
from leads.routing.editing import TIERS, RuleConditions, RuleInput, rule_conditions_parse, rule_conditions_tree
from leads.routing.models import AssignmentRule, Team
from leads.routing.selectors import members_choosable

# Commas in either script, and the Chinese enumeration comma, all separate list items.
_SEPARATORS = re.compile(r"[,，、;；\n]+")


def split_list(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in _SEPARATORS.split(text or "") if item.strip())


def errors_apply(form: forms.Form, error: ValidationFailed) -> None:
    """Put a service's field-named errors on the form's fields (others on the form itself)."""
    for name, messages in (error.errors or {}).items():
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message if target else f"{name}: {message}")
    if not error.errors:
        form.add_error(None, error.message)


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        label = f"{obj.get_full_name() or obj.username} ({obj.username})"
        return label if obj.is_active else f"{label} · {_('inactive')}"


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    role = forms.ChoiceField(label=_("Role"), choices=TeamRole.choices)
    members = MemberChoiceField(
        label=_("Members"), queryset=members_choosable(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Active SDRs or sales reps; someone without the team's role is refused."),
    )  # fmt: skip

    def __init__(self, *args: Any, team: Team | None = None, **kwargs: Any) -> None:
        if team is not None and "initial" not in kwargs:
            kwargs["initial"] = {"name": team.name, "role": team.role, "members": list(team.members.all())}
        super().__init__(*args, **kwargs)
        current = list(team.members.values_list("pk", flat=True)) if team is not None else []
        members = self.fields["members"]
        assert isinstance(members, forms.ModelMultipleChoiceField)
        members.queryset = members_choosable(include=current)


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    side = forms.ChoiceField(label=_("Owner side"), choices=OwnerSide.choices)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.order_by("name"), required=False)
    method = forms.ChoiceField(label=_("Method"), choices=AssignmentMethod.choices)
    capacity = forms.IntegerField(label=_("Capacity (open leads per person)"), required=False, min_value=1,
                                  help_text=_("Least loaded only; empty means no cap."))  # fmt: skip
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    industries = forms.CharField(label=_("Industry is one of"), required=False,
                                 help_text=_("Separate values with commas; empty matches any."))  # fmt: skip
    regions = forms.CharField(label=_("Region is one of"), required=False,
                              help_text=_("Separate values with commas; empty matches any."))  # fmt: skip
    tiers = forms.MultipleChoiceField(label=_("Account tier"), required=False, widget=forms.CheckboxSelectMultiple,
                                      choices=[(tier, tier) for tier in TIERS])  # fmt: skip
    employees_min = forms.IntegerField(label=_("Employees from"), required=False, min_value=0)
    employees_max = forms.IntegerField(label=_("Employees up to"), required=False, min_value=0)
    segment = forms.ModelChoiceField(label=_("Segment (optional)"), queryset=Segment.objects.order_by("name"),
                                     required=False, help_text=_("The lead must also be in this segment."))  # fmt: skip

    def __init__(self, *args: Any, rule: AssignmentRule | None = None, **kwargs: Any) -> None:
        self.extra: tuple[Any, ...] = ()
        if rule is not None:
            parsed = rule_conditions_parse(rule.conditions)
            self.extra = parsed.extra
            kwargs.setdefault("initial", {
                "name": rule.name, "side": rule.side, "team": rule.team_id, "method": rule.method,
                "capacity": rule.capacity, "active": rule.active, "segment": rule.segment_id,
                "industries": ", ".join(parsed.industries), "regions": ", ".join(parsed.regions),
                "tiers": list(parsed.tiers), "employees_min": parsed.employees_min,
                "employees_max": parsed.employees_max,
            })  # fmt: skip
        super().__init__(*args, **kwargs)

    def rule_input(self) -> RuleInput:
        """The service's input; ValidationFailed (conditions) is raised here, named by the form's fields."""
        data = self.cleaned_data
        conditions = RuleConditions(
            industries=split_list(data["industries"]), regions=split_list(data["regions"]),
            tiers=tuple(data["tiers"]), employees_min=data["employees_min"], employees_max=data["employees_max"],
            extra=self.extra,
        )  # fmt: skip
        return RuleInput(name=data["name"], side=data["side"], team=data["team"], method=data["method"],
                         capacity=data["capacity"], active=data["active"], segment=data["segment"],
                         conditions=rule_conditions_tree(conditions))  # fmt: skip


class AllocationForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.all())
    user = forms.IntegerField()
    month = forms.DateField(input_formats=["%Y-%m-%d", "%Y-%m"])
    weight = forms.IntegerField(required=False)
