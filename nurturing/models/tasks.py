"""SDR tasks: a call, follow-up or email someone must do on a lead by a due time."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from leadflow.models import TimeStampedModel

__all__ = ["SdrTask", "TaskKind", "TaskOutcome", "TaskSource"]


class TaskKind(models.TextChoices):
    CALL = "call", _("Call")
    FOLLOW_UP = "follow_up", _("Follow-up")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    WECHAT = "wechat", _("WeChat / WeCom message")
    OTHER = "other", _("Other")


class TaskOutcome(models.TextChoices):
    CONNECTED = "connected", _("Connected")
    NO_ANSWER = "no_answer", _("No answer")
    VOICEMAIL = "voicemail", _("Left a voicemail")
    MEETING_BOOKED = "meeting_booked", _("Meeting booked")
    NOT_INTERESTED = "not_interested", _("Not interested")
    WRONG_CONTACT = "wrong_contact", _("Wrong contact details")
    SENT = "sent", _("Sent")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class TaskSource(models.TextChoices):
    USER = "user", _("A person")
    STEP = "step", _("Sequence step")
    RULE = "rule", _("Rule")


class SdrTask(TimeStampedModel):
    """Open while `done_at` is null. `key` makes creation idempotent (a sequence step's execution id)."""

    lead = models.ForeignKey("leads.Lead", verbose_name=_("lead"), on_delete=models.CASCADE, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=20, choices=TaskKind.choices, default=TaskKind.CALL)
    title = models.CharField(_("title"), max_length=200, blank=True)
    due_at = models.DateTimeField(_("due at"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=TaskOutcome.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(_("created by"), max_length=10, choices=TaskSource.choices, default=TaskSource.USER)
    source_ref = models.CharField(_("source reference"), max_length=120, blank=True,
                                  help_text=_("The step, rule or clock that created it."))  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by user"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("completed by"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    overdue_notified_at = models.DateTimeField(_("overdue reminder sent at"), null=True, blank=True)
    key = models.CharField(_("idempotency key"), max_length=120, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("SDR task")
        verbose_name_plural = _("SDR tasks")
        ordering = ("due_at", "id")
        indexes = [
            models.Index(fields=("assignee", "due_at"), name="sdrtask_assignee_open",
                         condition=Q(done_at__isnull=True)),
            # The tick's overdue reminder scan: open tasks not yet reminded, by due time.
            models.Index(fields=("due_at",), name="sdrtask_due_unreminded",
                         condition=Q(done_at__isnull=True, overdue_notified_at__isnull=True)),
            models.Index(fields=("lead", "created_at"), name="sdrtask_lead_created"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.lead_id} · {self.due_at:%Y-%m-%d %H:%M}"
