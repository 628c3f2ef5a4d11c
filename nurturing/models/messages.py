"""Outbound messages (email and chat webhooks), notify channels and the suppression list.

Every message is a row written before it is sent. For a step's message the row's (enrollment, step, visit,
channel) is unique, so a step that is redone finds its message instead of sending another one; delivery is
a compare-and-set claim of the row (`nurturing.services.messages`).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from leadflow.models import TimeStampedModel

__all__ = [
    "Message",
    "MessageChannel",
    "MessageStatus",
    "NotifyChannel",
    "Suppression",
    "SuppressionReason",
]


class MessageChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    WECOM = "wecom", _("WeCom group bot")
    DINGTALK = "dingtalk", _("DingTalk group bot")
    FEISHU = "feishu", _("Feishu group bot")
    SLACK = "slack", _("Slack incoming webhook")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SUPPRESSED = "suppressed", _("Suppressed")
    BOUNCED = "bounced", _("Bounced")


class SuppressionReason(models.TextChoices):
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    HARD_BOUNCE = "hard_bounce", _("Hard bounce")
    COMPLAINT = "complaint", _("Spam complaint")
    MANUAL = "manual", _("Added by hand")


class NotifyChannel(TimeStampedModel):
    """A team chat group bot (WeCom, DingTalk, Feishu, Slack) that `notify` steps post to."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=MessageChannel.choices)
    url = models.URLField(_("webhook URL"), max_length=1000)
    # DingTalk and Feishu sign with it (their "加签" security setting); WeCom and Slack have no signing.
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("notify channel")
        verbose_name_plural = _("notify channels")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Suppression(TimeStampedModel):
    """An address that never gets a marketing message again (unsubscribe, hard bounce, complaint)."""

    email = models.CharField(_("email"), max_length=254, unique=True)
    reason = models.CharField(_("reason"), max_length=20, choices=SuppressionReason.choices)
    lead = models.ForeignKey("leads.Lead", verbose_name=_("lead"), on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+")  # fmt: skip
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("suppression")
        verbose_name_plural = _("suppressions")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.email} ({self.reason})"


class Message(TimeStampedModel):
    lead = models.ForeignKey("leads.Lead", verbose_name=_("lead"), on_delete=models.CASCADE, null=True,
                             blank=True, related_name="messages")  # fmt: skip
    enrollment = models.ForeignKey("nurturing.Enrollment", verbose_name=_("enrollment"), on_delete=models.CASCADE,
                                   null=True, blank=True, related_name="messages")  # fmt: skip
    step = models.ForeignKey("nurturing.Step", verbose_name=_("step"), on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="messages")  # fmt: skip
    visit = models.PositiveIntegerField(_("visit"), default=0)
    channel = models.CharField(_("channel"), max_length=20, choices=MessageChannel.choices)
    notify_channel = models.ForeignKey(NotifyChannel, verbose_name=_("notify channel"), on_delete=models.SET_NULL,
                                       null=True, blank=True, related_name="messages")  # fmt: skip
    is_marketing = models.BooleanField(_("marketing"), default=False)
    template = models.ForeignKey("nurturing.EmailTemplate", verbose_name=_("template"), on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="+")  # fmt: skip
    language = models.CharField(_("language"), max_length=10, blank=True)
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("body"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=MessageStatus.choices,
                              default=MessageStatus.QUEUED)  # fmt: skip
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_id = models.CharField(_("provider id"), max_length=300, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=("enrollment", "step", "visit", "channel"),
                                    condition=Q(enrollment__isnull=False), name="message_unique_step_visit"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=("next_attempt_at",), condition=Q(status__in=("queued", "sending")),
                         name="message_due_pending"),
            models.Index(fields=("lead", "created_at"), name="message_lead_created"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.channel} to {self.recipient or self.lead_id} ({self.status})"
