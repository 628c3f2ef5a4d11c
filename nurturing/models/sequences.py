"""Nurture sequences (SOPs): sequences of steps, enrollments of leads, and step executions.

A sequence is data: its steps are rows with a kind and a JSON config checked by
`nurturing.services.steps.step_config_errors` before it is stored. An enrollment is the timer of one lead
in one sequence (`next_run_at`, scanned by the tick on a partial index). A step execution row is written in
the same transaction as the step's effects, unique per (enrollment, step, visit): a tick run twice, or by
two workers, can never execute a step twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from leadflow.models import TimeStampedModel

__all__ = [
    "EmailTemplate",
    "Enrollment",
    "EnrollmentStatus",
    "ExitReason",
    "Handoff",
    "Sequence",
    "SequenceStatus",
    "Step",
    "StepExecution",
    "StepKind",
    "Track",
    "TriggerKind",
]


class Track(models.TextChoices):
    """A lead is in at most one sequence per track at a time."""

    TRIAGE = "triage", _("New-lead triage")
    NURTURE = "nurture", _("Nurture")
    TRIAL = "trial", _("Trial / demo")


class Handoff(models.TextChoices):
    NEVER = "", _("Never")
    HOT = "hot", _("When the lead is hot")
    ALWAYS = "always", _("Always")


class SequenceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ARCHIVED = "archived", _("Archived")


class TriggerKind(models.TextChoices):
    LEAD_CREATED = "lead_created", _("Lead created")
    STAGE_CHANGED = "stage_changed", _("Stage changed")
    TEMPERATURE_CHANGED = "temperature_changed", _("Temperature changed")
    SEGMENT_ENTRY = "segment_entry", _("Entered a segment")
    INACTIVITY = "inactivity", _("Inactive for N days")
    MANUAL = "manual", _("Manual only")


class StepKind(models.TextChoices):
    SEND_EMAIL = "send_email", _("Send email")
    WAIT = "wait", _("Wait")
    CREATE_TASK = "create_task", _("Create SDR task")
    NOTIFY = "notify", _("Notify")
    BRANCH = "branch", _("Branch")
    AB_SPLIT = "ab_split", _("A/B split")
    SET_FIELD = "set_field", _("Set field")
    ADD_TAG = "add_tag", _("Add tag")
    CHANGE_TEMPERATURE = "change_temperature", _("Change temperature")
    GOTO = "goto", _("Go to step")


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    EXITED = "exited", _("Exited")


class ExitReason(models.TextChoices):
    STAGE_ADVANCED = "stage_advanced", _("Stage advanced past the target")
    DISQUALIFIED = "disqualified", _("Disqualified")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    HARD_BOUNCE = "hard_bounce", _("Hard bounce")
    REPLIED = "replied", _("Replied")
    ENGAGED = "engaged", _("Engaged again")
    MANUAL_STOP = "manual_stop", _("Stopped by hand")
    SUPERSEDED = "superseded", _("A higher-priority sequence took over")
    ERROR = "error", _("Step error")


class EmailTemplate(TimeStampedModel):
    """An email in every language: `translations` is {"zh-hans": {"subject", "body"}, "en": {...}}.

    Bodies are Django template text (autoescape off: plain-text mail) with `lead`, `first_name`, `company`,
    `sender_name` and `unsubscribe_url` in the context.
    """

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    translations = models.JSONField(_("translations"), default=dict)
    is_builtin = models.BooleanField(_("built in"), default=False)

    class Meta:
        verbose_name = _("email template")
        verbose_name_plural = _("email templates")
        ordering = ("slug",)

    def __str__(self) -> str:
        return self.name


class Sequence(TimeStampedModel):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    track = models.CharField(_("track"), max_length=20, choices=Track.choices, default=Track.NURTURE)
    # Higher wins: entering a sequence of higher priority exits the lead's lower one on the same track.
    priority = models.PositiveSmallIntegerField(_("priority"), default=50)
    status = models.CharField(_("status"), max_length=20, choices=SequenceStatus.choices,
                              default=SequenceStatus.DRAFT)  # fmt: skip
    trigger_kind = models.CharField(_("trigger"), max_length=30, choices=TriggerKind.choices,
                                    default=TriggerKind.MANUAL)  # fmt: skip
    trigger_config = models.JSONField(_("trigger settings"), default=dict, blank=True)
    # Leads exit when their stage reaches this funnel stage or any later one (blank: never for stage).
    target_stage = models.CharField(_("target stage"), max_length=20, blank=True)
    exit_on_reply = models.BooleanField(_("exit on reply"), default=True)
    exit_on_engagement = models.BooleanField(_("exit on any engagement"), default=False)
    # On an engagement exit, hand the lead back to an SDR (a call task): never, only when hot, or always.
    engagement_handoff = models.CharField(_("hand back to an SDR on engagement"), max_length=10,
                                          choices=Handoff.choices, blank=True)  # fmt: skip
    # Marketing sequences count against the frequency cap and are never sent to unsubscribed leads.
    is_marketing = models.BooleanField(_("marketing messages"), default=True)
    is_builtin = models.BooleanField(_("built in"), default=False)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")  # fmt: skip

    class Meta:
        verbose_name = _("sequence")
        verbose_name_plural = _("sequences")
        ordering = ("track", "-priority", "name")
        indexes = [models.Index(fields=("status", "trigger_kind"), name="sequence_status_trigger")]

    def __str__(self) -> str:
        return self.name


class Step(TimeStampedModel):
    """One step. `key` is stable across reordering: branches, splits and gotos name their targets by key."""

    sequence = models.ForeignKey(Sequence, verbose_name=_("sequence"), on_delete=models.CASCADE,
                                 related_name="steps")  # fmt: skip
    key = models.SlugField(_("key"), max_length=40)
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=30, choices=StepKind.choices)
    name = models.CharField(_("name"), max_length=200, blank=True)
    config = models.JSONField(_("settings"), default=dict, blank=True)
    # ab_split only: the variant every new entrant gets once a winner is significant.
    winner = models.CharField(_("winning variant"), max_length=40, blank=True)
    winner_chosen_at = models.DateTimeField(_("winner chosen at"), null=True, blank=True)
    winner_stats = models.JSONField(_("winner statistics"), default=dict, blank=True)

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ("sequence", "position")
        constraints = [
            models.UniqueConstraint(fields=("sequence", "key"), name="step_unique_sequence_key"),
            models.UniqueConstraint(fields=("sequence", "position"), name="step_unique_sequence_position"),
        ]

    def __str__(self) -> str:
        return f"{self.sequence_id}:{self.position} {self.kind}"


class Enrollment(TimeStampedModel):
    sequence = models.ForeignKey(Sequence, verbose_name=_("sequence"), on_delete=models.CASCADE,
                                 related_name="enrollments")  # fmt: skip
    lead = models.ForeignKey("leads.Lead", verbose_name=_("lead"), on_delete=models.CASCADE,
                             related_name="enrollments")  # fmt: skip
    # Copied from the sequence so "one active enrollment per track" is a database constraint.
    track = models.CharField(_("track"), max_length=20, choices=Track.choices)
    status = models.CharField(_("status"), max_length=20, choices=EnrollmentStatus.choices,
                              default=EnrollmentStatus.ACTIVE)  # fmt: skip
    current_step = models.ForeignKey(Step, verbose_name=_("current step"), on_delete=models.SET_NULL, null=True,
                                     blank=True, related_name="+")  # fmt: skip
    next_run_at = models.DateTimeField(_("next run at"), null=True, blank=True)
    # Steps entered so far: the visit number of the next step execution (a goto may visit a step again).
    visits = models.PositiveIntegerField(_("visits"), default=0)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    exit_reason = models.CharField(_("exit reason"), max_length=30, choices=ExitReason.choices, blank=True)
    trigger = models.CharField(_("trigger"), max_length=30, choices=TriggerKind.choices)
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("enrolled by"),
                                    on_delete=models.SET_NULL, null=True, blank=True, related_name="+")  # fmt: skip
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ("-started_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=("lead", "track"), condition=Q(status="active"),
                                    name="enrollment_one_active_per_track"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=("next_run_at",), condition=Q(status="active"), name="enrollment_due_active"),
            models.Index(fields=("sequence", "lead"), name="enrollment_sequence_lead"),
            models.Index(fields=("lead", "started_at"), name="enrollment_lead_started"),
            # Trigger scans look up leads whose enrollment on a track ended lately (the track is free again).
            models.Index(fields=("ended_at",), condition=Q(ended_at__isnull=False), name="enrollment_ended"),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} in {self.sequence_id} ({self.status})"


class StepExecution(models.Model):
    """A step that ran for one enrollment; written with the step's effects, in one transaction."""

    enrollment = models.ForeignKey(Enrollment, verbose_name=_("enrollment"), on_delete=models.CASCADE,
                                   related_name="executions")  # fmt: skip
    step = models.ForeignKey(Step, verbose_name=_("step"), on_delete=models.CASCADE, related_name="executions")
    visit = models.PositiveIntegerField(_("visit"))
    executed_at = models.DateTimeField(_("executed at"))
    # The way taken: a branch's "then"/"else", a split's variant key; blank for straight steps.
    branch = models.CharField(_("branch"), max_length=40, blank=True)
    outcome = models.JSONField(_("outcome"), default=dict, blank=True)

    class Meta:
        verbose_name = _("step execution")
        verbose_name_plural = _("step executions")
        ordering = ("executed_at", "id")
        constraints = [
            models.UniqueConstraint(fields=("enrollment", "step", "visit"), name="stepexecution_unique_visit"),
        ]
        indexes = [models.Index(fields=("step", "executed_at"), name="stepexecution_step_at")]

    def __str__(self) -> str:
        return f"{self.enrollment_id}/{self.step_id}#{self.visit}"
