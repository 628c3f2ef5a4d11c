"""A lead's creation is recorded once, by its first StageChange (from no stage); the `created` LeadEvent that
repeated it goes. Reversible: the events are rebuilt from the stage changes."""

from django.db import migrations

FORWARD = "DELETE FROM leads_leadevent WHERE kind = 'created'"
BACKWARD = """
INSERT INTO leads_leadevent (lead_id, kind, data, actor_id, actor_label, at)
SELECT lead_id, 'created', '{}'::jsonb, actor_id, actor_label, at FROM leads_stagechange WHERE from_stage = ''
"""


class Migration(migrations.Migration):
    dependencies = [("leads", "0013_lead_silent_since")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
