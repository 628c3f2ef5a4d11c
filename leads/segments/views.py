"""Segment pages: the list, the builder (new and edit) and the builder's live preview fragment.

Every role may open the builder and preview (counts stay within what the user may see); saving is for
marketers and admins. The preview is an htmx fragment; saving is a plain form post, so the page also
works with the rule typed as JSON when scripts are off.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadflow.errors import ValidationFailed
from leadflow.roles import Action, user_can
from leads.segments.builder import builder_config
from leads.segments.forms import SegmentForm
from leads.segments.models import Segment
from leads.segments.selectors import SegmentPreview, segment_preview
from leads.segments.services import segment_create, segment_update

STARTER_RULE = {"all": [{"field": "fit_score", "op": "gte", "value": 60}]}


def _require(request: HttpRequest, action: Action) -> None:
    if not user_can(request.user, action):
        raise PermissionDenied(_("You may not do this."))


@login_required
@require_GET
def segment_list(request: HttpRequest) -> HttpResponse:
    _require(request, Action.VIEW_LEADS)
    segments = Segment.objects.select_related("owner").order_by("name")
    can_edit = user_can(request.user, Action.MANAGE_MARKETING)
    return render(request, "leads/segments/list.html", {"segments": segments, "can_edit": can_edit})


@login_required
@require_http_methods(["GET", "POST"])
def segment_builder(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require(request, Action.VIEW_LEADS)
    segment = get_object_or_404(Segment, pk=pk) if pk is not None else None
    can_edit = user_can(request.user, Action.MANAGE_MARKETING)
    rule_errors: dict[str, list[str]] = {}
    if request.method == "POST":
        _require(request, Action.MANAGE_MARKETING)
        form = SegmentForm(request.POST)
        if form.is_valid():
            try:
                segment = _save(request, segment, form.cleaned_data)
            except ValidationFailed as error:
                rule_errors = {path: list(msgs) for path, msgs in error.errors.items() if path != "name"}
                for message in error.errors.get("name", []):
                    form.add_error("name", message)
            else:
                messages.success(request, _("Segment “%(name)s” saved.") % {"name": segment.name})
                return redirect("segments:edit", pk=segment.pk)
        status = 400
    else:
        initial = segment.rule if segment else STARTER_RULE
        form = SegmentForm(initial={"name": segment.name if segment else "", "rule": json.dumps(initial),
                                    "description": segment.description if segment else ""})  # fmt: skip
        status = 200
    context = {"segment": segment, "form": form, "can_edit": can_edit, "rule_errors": rule_errors,
               "config": builder_config()}  # fmt: skip
    return render(request, "leads/segments/builder.html", context, status=status)


def _save(request: HttpRequest, segment: Segment | None, data: dict[str, Any]) -> Segment:
    if segment is None:
        return segment_create(name=data["name"], description=data["description"], rule=data["rule"],
                              owner=request.user)  # fmt: skip
    return segment_update(segment=segment, data=data)


@login_required
@require_POST
def segment_preview_fragment(request: HttpRequest) -> HttpResponse:
    """The live count and sample of the builder (htmx); a bad tree answers its errors by node path."""
    _require(request, Action.VIEW_LEADS)
    preview: SegmentPreview | None = None
    errors: dict[str, list[str]] = {}
    try:
        rule = json.loads(request.POST.get("rule", ""))
        preview = segment_preview(user=request.user, rule=rule, now=timezone.now(), sample_size=10)
    except (ValueError, RecursionError):
        errors = {"rule": [_("The rule is not valid JSON.")]}
    except ValidationFailed as error:
        errors = error.errors
    return render(request, "leads/segments/_preview.html", {"preview": preview, "errors": errors})
