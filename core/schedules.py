"""Default beat schedules, created by data migrations only when missing.

Never overwritten by a later deploy, so a city admin's edit in Django admin
stands. Crontabs are in Asia/Tokyo (django-celery-beat#345: they default to UTC).
"""


def ensure_periodic_task(
    apps,
    *,
    task: str,
    name: str,
    every_seconds: int | None = None,
    cron: tuple[str, str] | None = None,
    expire_seconds: int | None = None,
    day_of_week: str = "*",
) -> None:
    """``every_seconds`` for an interval, or ``cron=(minute, hour)`` for a daily-style crontab
    (``day_of_week`` narrows it, e.g. "0" for Sundays)."""
    Task = apps.get_model("django_celery_beat", "PeriodicTask")
    if Task.objects.filter(task=task).exists() or Task.objects.filter(name=name).exists():
        return
    schedule = {}
    if every_seconds is not None:
        Interval = apps.get_model("django_celery_beat", "IntervalSchedule")
        schedule["interval"], _ = Interval.objects.get_or_create(
            every=every_seconds, period="seconds"
        )
    else:
        Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
        minute, hour = cron
        schedule["crontab"], _ = Crontab.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week=day_of_week,
            day_of_month="*",
            month_of_year="*",
            timezone="Asia/Tokyo",
        )
    Task.objects.create(
        name=name, task=task, enabled=True, expire_seconds=expire_seconds, **schedule
    )
