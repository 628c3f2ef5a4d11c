"""Where the tick's incremental scans left off: one row per trigger sequence, and one for enrollment exits.

The trigger and exit scans do not re-read every lead each minute (spec/benchmarks.md, workload 5): after one
complete scan they look only at the leads that may have changed their answer since, found on indexes:

* `now_mark`: the tick's `now` of the last complete scan. Event-time windows start from it: a lead crossing
  the silence threshold (`lead_silent_since`), a lead touched, an enrollment of the track that ended.
* `changed_mark`: the wall-clock time that scan started. `Lead.updated_at` is wall-clock, so leads edited
  since are found by it (`lead_updated`).
* `recheck_after`: the last lead id of the rolling re-check, a slice of leads per tick (0: from the start
  again), which finds what no mark can (a rule on scores, an event window running out, a late touch).
* `config`: a fingerprint of the sequence settings the marks were made for. Other settings (an edited rule,
  priority, target stage, track) make the next scan a complete one again.

Written only by `nurturing.services.trigger_scans`, with compare-and-set updates.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from nurturing.models.sequences import Sequence

__all__ = ["ScanCursor"]


class ScanCursor(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    sequence = models.OneToOneField(Sequence, verbose_name=_("sequence"), on_delete=models.CASCADE, null=True,
                                    blank=True, related_name="scan_cursor")  # fmt: skip
    config = models.CharField(_("settings fingerprint"), max_length=64, blank=True)
    now_mark = models.DateTimeField(_("scanned up to (tick time)"))
    changed_mark = models.DateTimeField(_("scanned up to (wall-clock time)"))
    recheck_after = models.BigIntegerField(_("re-checked up to lead"), default=0)

    class Meta:
        verbose_name = _("scan cursor")
        verbose_name_plural = _("scan cursors")

    def __str__(self) -> str:
        return f"{self.name} @ {self.now_mark:%Y-%m-%d %H:%M}"
