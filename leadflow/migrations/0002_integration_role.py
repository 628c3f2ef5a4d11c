from django.db import migrations


def create_integration_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="integration")


class Migration(migrations.Migration):
    dependencies = [("leadflow", "0001_initial")]

    operations = [migrations.RunPython(create_integration_group, migrations.RunPython.noop)]
