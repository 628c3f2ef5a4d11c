from django.db import migrations, models


def create_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ("marketer", "sdr", "sales", "sales_manager", "admin"):
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    initial = True
    dependencies = [("auth", "0012_alter_user_first_name_max_length")]

    operations = [
        migrations.CreateModel(
            name="Heartbeat",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, unique=True, verbose_name="name")),
                ("last_run_at", models.DateTimeField(verbose_name="last run at")),
                ("runs", models.PositiveBigIntegerField(default=0, verbose_name="runs")),
                ("last_worker", models.CharField(blank=True, max_length=200, verbose_name="last worker")),
            ],
            options={"verbose_name": "heartbeat", "verbose_name_plural": "heartbeats"},
        ),
        migrations.RunPython(create_role_groups, migrations.RunPython.noop),
    ]
