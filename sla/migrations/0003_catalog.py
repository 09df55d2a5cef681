# Reserved for the catalogue, evidence and improvement plans (beat schedules); the SLA parts were built side by side, each in its own file.
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from core.schedules import ensure_periodic_task


def schedules(apps, schema_editor):
    # 08:30 JST: reminders before and at each improvement-plan due date, each sent once.
    ensure_periodic_task(
        apps,
        task="sla.tasks.catalog.plan_reminders",
        name="SLA 改善策の期限通知",
        cron=("30", "8"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0002_computations"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalCatalogComment",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("body", models.TextField(max_length=5000, verbose_name="コメント")),
                ("created_at", models.DateTimeField(verbose_name="記入日時")),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "author",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="記入者",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "plan",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="sla.improvementplan",
                    ),
                ),
                (
                    "policy",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="sla.policy",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical SLA コメント",
                "verbose_name_plural": "historical SLA コメント",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="CatalogComment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("body", models.TextField(max_length=5000, verbose_name="コメント")),
                ("created_at", models.DateTimeField(verbose_name="記入日時")),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="記入者",
                    ),
                ),
                (
                    "plan",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="comments",
                        to="sla.improvementplan",
                    ),
                ),
                (
                    "policy",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="comments",
                        to="sla.policy",
                    ),
                ),
            ],
            options={
                "verbose_name": "SLA コメント",
                "verbose_name_plural": "SLA コメント",
                "ordering": ["created_at", "pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("plan__isnull", True), ("policy__isnull", False)),
                            models.Q(("plan__isnull", False), ("policy__isnull", True)),
                            _connector="OR",
                        ),
                        name="sla_comment_one_target",
                    )
                ],
            },
        ),
        migrations.RunPython(schedules, migrations.RunPython.noop),
    ]
