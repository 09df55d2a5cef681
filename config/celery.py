import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("childcase")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _close_stale_connections_before(**kwargs):
    # A PostgreSQL restart between tasks leaves dead connections behind.
    from django.db import close_old_connections

    close_old_connections()


@task_postrun.connect
def _close_stale_connections_after(**kwargs):
    from django.db import close_old_connections

    close_old_connections()
