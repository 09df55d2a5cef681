"""Beat schedule for the help desk mailbox poller, created once (admins may edit it).

Created only when missing, so later deploys never overwrite an admin's edit. The
task does nothing until HELPDESK_IMAP_URL is set.
"""

from django.db import migrations

TASK = "helpdesk.poll_mailbox"
NAME = "ヘルプデスク受信メールの取込"
EVERY_SECONDS = 120


def create(apps, schema_editor):
    Interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    Task = apps.get_model("django_celery_beat", "PeriodicTask")
    if Task.objects.filter(task=TASK).exists() or Task.objects.filter(name=NAME).exists():
        return
    interval, _ = Interval.objects.get_or_create(every=EVERY_SECONDS, period="seconds")
    # A poll not started within its interval is dropped: the next one does the work.
    Task.objects.create(
        name=NAME,
        task=TASK,
        interval=interval,
        enabled=True,
        expire_seconds=EVERY_SECONDS - 10,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("helpdesk", "0002_search_and_categories"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
