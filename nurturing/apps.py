from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NurturingConfig(AppConfig):
    name = "nurturing"
    verbose_name = _("Nurturing")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # SLA clocks follow the lead signals; the lead API and timeline show clocks through leads.hooks.
        from nurturing import hooks, receivers

        receivers.connect()
        hooks.register()
