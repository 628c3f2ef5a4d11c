from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = _("Analytics")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from leads.models import Lead

        # The data-version probe (analytics.versioning) sees inserts and updates, not a deleted lead: bump.
        post_delete.connect(_lead_deleted, sender=Lead, dispatch_uid="analytics_lead_deleted")


def _lead_deleted(**kwargs: Any) -> None:
    from django.db import transaction

    from analytics.versioning import data_version_bump

    transaction.on_commit(data_version_bump)
