from django.apps import AppConfig


class LeadflowConfig(AppConfig):
    name = "leadflow"
    verbose_name = "LeadFlow"
    default_auto_field = "django.db.models.BigAutoField"
