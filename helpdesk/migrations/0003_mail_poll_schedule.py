"""Beat schedule for the help desk mailbox poller, created once (admins may edit it).

Created only when missing, so later deploys never overwrite an admin's edit. The
task does nothing until HELPDESK_IMAP_URL is set.
"""

from django.db import migrations

from core.schedules import ensure_periodic_task

TASK = "helpdesk.poll_mailbox"
NAME = "ヘルプデスク受信メールの取込"
EVERY_SECONDS = 120


def create(apps, schema_editor):
    # A poll not started within its interval is dropped: the next one does the work.
    ensure_periodic_task(
        apps, task=TASK, name=NAME, every_seconds=EVERY_SECONDS, expire_seconds=EVERY_SECONDS - 10
    )


class Migration(migrations.Migration):
    dependencies = [
        ("helpdesk", "0002_search_and_categories"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
