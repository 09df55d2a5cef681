from django.db import migrations

from cases.codes_seed import ensure_code_lists


def create(apps, schema_editor):
    ensure_code_lists(apps)


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_search_indexes")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
