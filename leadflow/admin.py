from django.contrib import admin

from leadflow.models import Heartbeat


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "last_run_at", "runs", "last_worker")
    readonly_fields = ("name", "last_run_at", "runs", "last_worker")
