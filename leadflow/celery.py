"""The Celery app. Without CELERY_BROKER_URL the settings make every task run in-process (eager)."""

import gc
import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadflow.settings")

app = Celery("leadflow")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _heap_freeze(**_kwargs: object) -> None:
    """As gunicorn.conf.py does for web workers: the loaded heap is left out of garbage collections, which
    batch tasks (routing, clocks, scoring thousands of leads) would otherwise trigger again and again."""
    gc.freeze()
