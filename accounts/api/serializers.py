"""Shapes of /api/v1/accounts/. Domains are normalised (`https://www.Acme.cn/` -> `acme.cn`)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Account
from accounts.services import domain_normalise, is_free_mail

_SALES_GROUPS = ("sales", "sales_manager")


class AccountSerializer(serializers.ModelSerializer):
    owner_sales = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(Q(groups__name__in=_SALES_GROUPS) | Q(is_superuser=True),
                                                 is_active=True).distinct(),
        required=False, allow_null=True,
        help_text=_("User id of the account's sales owner: an active sales rep or sales manager."),
    )  # fmt: skip
    arr = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0, required=False)  # type: ignore[arg-type]

    class Meta:
        model = Account
        fields = (
            "id", "name", "domain", "industry", "size_band", "region", "tier", "is_target", "customer_status",
            "arr", "currency", "owner_sales", "created_at", "updated_at",
        )  # fmt: skip
        read_only_fields = ("id", "created_at", "updated_at")

    def validate_domain(self, value: str | None) -> str | None:
        domain = domain_normalise(value or "")
        if not domain:
            return None
        if "." not in domain:
            raise serializers.ValidationError(_("Enter a domain such as acme.cn."))
        if is_free_mail(domain):
            raise serializers.ValidationError(_("A free-mail domain cannot identify a company."))
        taken = Account.objects.filter(domain=domain)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError(_("Another account has this domain."))
        return domain
