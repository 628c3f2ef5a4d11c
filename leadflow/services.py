import datetime as dt
import socket

from django.db.models import F
from django.utils import timezone

from leadflow.models import Heartbeat


def heartbeat_record(*, name: str, now: dt.datetime | None = None) -> Heartbeat:
    """Record one run of a periodic job. Idempotent per row: counts runs, keeps the latest time."""
    now = now or timezone.now()
    worker = socket.gethostname()
    updated = Heartbeat.objects.filter(name=name).update(last_run_at=now, runs=F("runs") + 1, last_worker=worker)
    if not updated:
        Heartbeat.objects.get_or_create(name=name, defaults={"last_run_at": now, "runs": 1, "last_worker": worker})
    return Heartbeat.objects.get(name=name)
