from django.db import migrations

CREATE = "CREATE INDEX IF NOT EXISTS touchpoint_occurred_brin ON leads_touchpoint USING brin (occurred_at)"
DROP = "DROP INDEX IF EXISTS touchpoint_occurred_brin"


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    """BRIN on occurred_at for time-range scans of a large, append-mostly table (PostgreSQL only)."""

    dependencies = [("leads", "0001_initial")]

    operations = [migrations.RunPython(_on_postgres(CREATE), _on_postgres(DROP))]
