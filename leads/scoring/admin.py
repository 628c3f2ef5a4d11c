"""Admin for scoring: a draft's rules are edited here (JSON fields, checked on save); live and retired
versions and rescore runs are read-only. Activation happens on the rule-set page (it queues the rescore)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from leads.scoring.models import CONFIG_FIELDS, RescoreRun, RuleSetStatus, ScoringRuleSet


@admin.register(ScoringRuleSet)
class ScoringRuleSetAdmin(admin.ModelAdmin):
    list_display = ("version", "status", "notes", "created_by", "activated_at")
    list_filter = ("status",)
    fields = ("version", "status", "notes", "created_by", "activated_at", *CONFIG_FIELDS)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fixed = ("version", "status", "created_by", "activated_at")
        if obj is not None and obj.status != RuleSetStatus.DRAFT:
            return (*fixed, "notes", *CONFIG_FIELDS)
        return fixed

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a draft is a copy made on the rule-set page, so it gets the next version number

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is not None and obj.status == RuleSetStatus.DRAFT and not obj.runs.exists()


@admin.register(RescoreRun)
class RescoreRunAdmin(admin.ModelAdmin):
    list_display = ("id", "ruleset", "reason", "status", "done", "total", "created_at", "finished_at")
    list_filter = ("status", "reason")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
