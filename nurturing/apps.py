from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NurturingConfig(AppConfig):
    name = "nurturing"
    verbose_name = _("Nurturing")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # SLA clocks follow the lead signals; the lead API and timeline show clocks through leads.hooks.
        from nurturing import hooks, hooks_sequences, receivers, receivers_sequences

        receivers.connect()
        hooks.register()
        # Sequences: enrol and exit on the lead signals; the lead API's `enrollments` and message timeline.
        receivers_sequences.connect()
        hooks_sequences.register()
        # The SDR queue (leads) sorts by SLA due time and sends leads to nurture tracks through leads.hooks.
        from nurturing import hooks_queue

        hooks_queue.register()
