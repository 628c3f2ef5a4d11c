from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = _("Leads")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Celery autodiscovery finds leads.tasks only; routing's tasks live in a sub-package.
        from leads.routing import receivers, tasks  # noqa: F401
