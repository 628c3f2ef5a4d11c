from django.db import models
from django.utils.translation import gettext_lazy as _


class TeamRole(models.TextChoices):
    SDR = "sdr", _("SDR")
    SALES = "sales", _("Sales")


class AssignmentMethod(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round robin")
    WEIGHTED = "weighted", _("Weighted by monthly allocation")
    LEAST_LOADED = "least_loaded", _("Least loaded, with a capacity cap")


class RouteReason(models.TextChoices):
    ACCOUNT_OWNER = "account_owner", _("Account owner (existing customer or open opportunity)")
    SELF_SOURCED = "self_sourced", _("Channel route: sales self-sourced")
    RULE = "rule", _("Assignment rule")
    ALREADY_OWNED = "already_owned", _("Already owned")
    PRE_NURTURE = "pre_nurture", _("Pre-nurture pool")
    NO_RULE = "no_rule", _("No assignment rule matched")
    NO_MEMBER = "no_member", _("Every matching rule was full or had no eligible member")
    CLOSED = "closed", _("Lead is closed, merged or erased")


class NotificationKind(models.TextChoices):
    LEAD_ASSIGNED = "lead_assigned", _("Lead assigned to you")
