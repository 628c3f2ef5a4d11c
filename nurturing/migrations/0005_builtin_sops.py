"""The five built-in SOPs (spec/nurturing.md) and their bilingual emails, as editable rows.

Rows are created only when their slug is missing: a marketer's own sequence or template of the same slug is
never overwritten. The SOPs ship switched on (pause them on the Sequences page). Reversing removes the
built-in sequences nobody was enrolled in, and the built-in templates.
"""

from django.db import migrations
from django.utils import timezone

from nurturing.migrations._builtin_sops import SEQUENCES, TEMPLATES


def create_sops(apps, schema_editor):
    EmailTemplate = apps.get_model("nurturing", "EmailTemplate")
    Sequence = apps.get_model("nurturing", "Sequence")
    Step = apps.get_model("nurturing", "Step")
    now = timezone.now()
    for template in TEMPLATES:
        EmailTemplate.objects.get_or_create(slug=template["slug"], defaults={
            "name": template["name"], "translations": template["translations"], "is_builtin": True})
    for spec in SEQUENCES:
        fields = {key: value for key, value in spec.items() if key not in ("slug", "steps")}
        sequence, created = Sequence.objects.get_or_create(slug=spec["slug"], defaults={
            **fields, "status": "active", "is_builtin": True, "activated_at": now})
        if created:
            Step.objects.bulk_create([Step(sequence=sequence, position=index, **step)
                                      for index, step in enumerate(spec["steps"], start=1)])


def remove_sops(apps, schema_editor):
    apps.get_model("nurturing", "Sequence").objects.filter(is_builtin=True, enrollments__isnull=True).delete()
    apps.get_model("nurturing", "EmailTemplate").objects.filter(is_builtin=True).delete()


class Migration(migrations.Migration):
    dependencies = [("nurturing", "0004_sequences_and_messages")]

    operations = [migrations.RunPython(create_sops, remove_sops)]
