"""Admin for nurturing. Sequences are built on the Sequences page; here administrators edit email templates
(subject and body per language), notify channels and the suppression list, and look up enrollments and
messages (read-only: they are history). Both nurturing halves register their models in this module."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from leads.services.webhooks import webhook_url_problem
from nurturing.models.messages import Message, NotifyChannel, Suppression
from nurturing.models.sequences import EmailTemplate, Enrollment, Sequence, Step


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "is_builtin", "updated_at")
    search_fields = ("slug", "name")


class NotifyChannelForm(forms.ModelForm):
    url = forms.URLField(max_length=1000, assume_scheme="https")

    class Meta:
        model = NotifyChannel
        fields = ("slug", "name", "kind", "url", "secret", "is_active")

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"])
        problem = webhook_url_problem(url)  # the same guard as the lead webhooks
        if problem:
            raise forms.ValidationError(problem)
        return url


@admin.register(NotifyChannel)
class NotifyChannelAdmin(admin.ModelAdmin):
    form = NotifyChannelForm
    list_display = ("name", "slug", "kind", "is_active")


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ("email", "reason", "created_at")
    list_filter = ("reason",)
    search_fields = ("email",)
    raw_id_fields = ("lead",)


class StepInline(admin.TabularInline):
    model = Step
    extra = 0
    fields = ("position", "key", "kind", "name", "config", "winner")
    readonly_fields = ("winner",)


@admin.register(Sequence)
class SequenceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "track", "priority", "status", "trigger_kind", "is_builtin")
    list_filter = ("status", "track", "trigger_kind")
    inlines = (StepInline,)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyAdmin):
    list_display = ("lead", "sequence", "status", "current_step", "next_run_at", "exit_reason")
    list_filter = ("status", "sequence", "exit_reason")
    raw_id_fields = ("lead",)


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "channel", "recipient", "subject", "status", "attempts", "sent_at")
    list_filter = ("status", "channel", "is_marketing")
    search_fields = ("recipient", "subject", "provider_id")
