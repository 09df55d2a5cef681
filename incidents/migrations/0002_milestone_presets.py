"""The contract milestones of both presets (../shared/domain.md), effective from
each contract's start; city admins adjust them in admin with a new valid_from."""

from django.db import migrations

from incidents.presets import ensure_milestone_presets


def create(apps, schema_editor):
    ensure_milestone_presets(apps)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
