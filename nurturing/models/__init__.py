"""Nurturing models, one module per concern.

Layout agreement (two engineers share this app):

* ``sla.py`` (SlaPolicy, SlaClock) and ``tasks.py`` (SdrTask): SLA clocks and SDR tasks.
* ``sequences.py`` and ``messages.py``: sequences, enrollments, step executions and messages.
* ``cursors.py``: where the tick's incremental trigger and exit scans left off.

Each module's models are re-exported here so ``from nurturing.models import X`` works and
Django's model discovery sees them. Add one import line per module.
"""

from nurturing.models.cursors import *  # noqa: F403
from nurturing.models.messages import *  # noqa: F403
from nurturing.models.sequences import *  # noqa: F403
from nurturing.models.sla import *  # noqa: F403
from nurturing.models.tasks import *  # noqa: F403
