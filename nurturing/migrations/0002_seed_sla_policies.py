"""The four SLA policies of spec/nurturing.md, as editable rows (sales ops change deadlines in the admin)."""

from django.db import migrations

POLICIES = [
    # code, name, deadline, unit, recycle on breach, description
    ("first_touch", "First touch (golden 48 h)", 48, "hours", False,
     "Lead assigned to an SDR (hot or high-score): first call or email within 48 hours."),
    ("mql_accept", "MQL acceptance", 24, "hours", False,
     "MQL assigned to a sales rep: accept (SAL) or return with a reason within 24 hours."),
    ("sal_qualify", "SAL qualification", 10, "business_days", False,
     "SAL: qualify to SQL, or return, within 10 business days."),
    ("follow_up", "Follow-up", 48, "hours", True,
     "Lead assigned and untouched: any logged activity within 48 hours, else it is recycled and reassigned."),
]


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("nurturing", "SlaPolicy")
    for code, name, deadline, unit, recycle, description in POLICIES:
        SlaPolicy.objects.get_or_create(code=code, defaults={
            "name": name, "deadline": deadline, "unit": unit, "recycle_on_breach": recycle,
            "description": description,
        })


def unseed(apps, schema_editor):
    apps.get_model("nurturing", "SlaPolicy").objects.filter(
        code__in=[row[0] for row in POLICIES], clocks__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("nurturing", "0001_sla_clocks_and_tasks")]

    operations = [migrations.RunPython(seed, unseed)]
