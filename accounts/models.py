from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.choices import CustomerStatus, SizeBand, Tier
from leadflow.models import TimeStampedModel


class Account(TimeStampedModel):
    """A B2B company. Leads attach to it by their company email domain."""

    name = models.CharField(_("name"), max_length=200)
    domain = models.CharField(_("domain"), max_length=253, unique=True, null=True, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True, db_index=True)
    size_band = models.CharField(_("size band"), max_length=20, choices=SizeBand.choices, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, default=Tier.C, db_index=True)
    is_target = models.BooleanField(_("target account (ABM)"), default=False)
    customer_status = models.CharField(
        _("customer status"), max_length=20, choices=CustomerStatus.choices, default=CustomerStatus.PROSPECT
    )
    arr = models.DecimalField(_("ARR"), max_digits=16, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    owner_sales = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_accounts",
    )

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    @property
    def is_customer(self) -> bool:
        return self.customer_status == CustomerStatus.CUSTOMER
