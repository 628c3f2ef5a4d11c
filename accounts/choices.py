from django.db import models
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    S = "S", _("S: strategic")
    A = "A", _("A: key")
    B = "B", _("B: standard")
    C = "C", _("C: long tail")


class SizeBand(models.TextChoices):
    MICRO = "1-49", _("1–49 employees")
    SMALL = "50-199", _("50–199 employees")
    MID = "200-999", _("200–999 employees")
    LARGE = "1000-4999", _("1,000–4,999 employees")
    ENTERPRISE = "5000+", _("5,000+ employees")


class CustomerStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    CUSTOMER = "customer", _("Customer")
    CHURNED = "churned", _("Churned")
