# Meetings part: 定例報告会議・議事録 (schema from makemigrations --dry-run) and its beat schedule.
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from core.schedules import ensure_periodic_task


def schedules(apps, schema_editor):
    ensure_periodic_task(
        apps,
        task="reports.meetings_send_deadline_warnings",
        name="定例報告会議の期限警告（毎朝7:30）",
        cron=("30", "7"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalMeeting",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "profile",
                    models.CharField(
                        choices=[("sendai", "仙台市"), ("kobe", "神戸市")],
                        max_length=20,
                        verbose_name="契約（自治体）",
                    ),
                ),
                ("year", models.PositiveSmallIntegerField(verbose_name="年")),
                ("month", models.PositiveSmallIntegerField(verbose_name="月")),
                ("held_at", models.DateTimeField(verbose_name="開催日時")),
                ("place", models.CharField(max_length=200, verbose_name="場所")),
                (
                    "outside_attendees",
                    models.TextField(
                        blank=True, max_length=2000, verbose_name="その他の出席者（1 行に 1 名）"
                    ),
                ),
                (
                    "minutes_status",
                    models.CharField(
                        choices=[
                            ("draft", "作成中"),
                            ("awaiting", "市確認待ち"),
                            ("final", "確定"),
                        ],
                        default="draft",
                        max_length=20,
                        verbose_name="議事録の状態",
                    ),
                ),
                (
                    "minutes_summary",
                    models.TextField(blank=True, max_length=10000, verbose_name="議事概要"),
                ),
                (
                    "submitted_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="確認依頼日時"),
                ),
                (
                    "confirmed_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="確定日時"),
                ),
                (
                    "created_at",
                    models.DateTimeField(blank=True, editable=False, verbose_name="登録日時"),
                ),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
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
                    "confirmed_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="確認者（市）",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
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
            ],
            options={
                "verbose_name": "historical 定例報告会議",
                "verbose_name_plural": "historical 定例報告会議",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="Meeting",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "profile",
                    models.CharField(
                        choices=[("sendai", "仙台市"), ("kobe", "神戸市")],
                        max_length=20,
                        verbose_name="契約（自治体）",
                    ),
                ),
                ("year", models.PositiveSmallIntegerField(verbose_name="年")),
                ("month", models.PositiveSmallIntegerField(verbose_name="月")),
                ("held_at", models.DateTimeField(verbose_name="開催日時")),
                ("place", models.CharField(max_length=200, verbose_name="場所")),
                (
                    "outside_attendees",
                    models.TextField(
                        blank=True, max_length=2000, verbose_name="その他の出席者（1 行に 1 名）"
                    ),
                ),
                (
                    "minutes_status",
                    models.CharField(
                        choices=[
                            ("draft", "作成中"),
                            ("awaiting", "市確認待ち"),
                            ("final", "確定"),
                        ],
                        default="draft",
                        max_length=20,
                        verbose_name="議事録の状態",
                    ),
                ),
                (
                    "minutes_summary",
                    models.TextField(blank=True, max_length=10000, verbose_name="議事概要"),
                ),
                (
                    "submitted_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="確認依頼日時"),
                ),
                (
                    "confirmed_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="確定日時"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="登録日時")),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                (
                    "attendees",
                    models.ManyToManyField(
                        blank=True,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="出席者（職員・事業者）",
                    ),
                ),
                (
                    "confirmed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="確認者（市）",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "定例報告会議",
                "verbose_name_plural": "定例報告会議",
                "ordering": ["-held_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalMinutesQuestion",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("text", models.TextField(max_length=5000, verbose_name="疑義")),
                (
                    "asked_at",
                    models.DateTimeField(blank=True, editable=False, verbose_name="照会日時"),
                ),
                ("answer", models.TextField(blank=True, max_length=5000, verbose_name="回答")),
                (
                    "answered_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="回答日時"),
                ),
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
                    "answered_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "asked_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
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
                    "meeting",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="reports.meeting",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical 議事録への疑義",
                "verbose_name_plural": "historical 議事録への疑義",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalMeetingDeadlineWarning",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("materials", "資料提出"), ("minutes", "議事録提出")],
                        max_length=10,
                    ),
                ),
                (
                    "stage",
                    models.CharField(
                        choices=[("before", "前営業日"), ("day", "当日")], max_length=10
                    ),
                ),
                ("sent_at", models.DateTimeField(blank=True, editable=False)),
                ("recipients", models.TextField(blank=True)),
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
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "meeting",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="reports.meeting",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical 会議期限の警告",
                "verbose_name_plural": "historical 会議期限の警告",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalMeeting_attendees",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="reports.historicalmeeting",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "meeting",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="reports.meeting",
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalMeeting_attendees",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalAgendaItem",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("order", models.PositiveSmallIntegerField(verbose_name="順")),
                ("title", models.CharField(max_length=200, verbose_name="議題")),
                (
                    "reported",
                    models.TextField(blank=True, max_length=10000, verbose_name="報告内容"),
                ),
                (
                    "decided",
                    models.TextField(blank=True, max_length=10000, verbose_name="決定事項"),
                ),
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
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "meeting",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="reports.meeting",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical 議題",
                "verbose_name_plural": "historical 議題",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalActionItem",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(max_length=300, verbose_name="対応事項")),
                ("owner", models.CharField(max_length=100, verbose_name="担当")),
                ("due", models.DateField(verbose_name="期限")),
                (
                    "status",
                    models.CharField(
                        choices=[("todo", "未着手"), ("doing", "対応中"), ("done", "完了")],
                        default="todo",
                        max_length=10,
                        verbose_name="状態",
                    ),
                ),
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
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "done_in",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="reports.meeting",
                        verbose_name="完了を報告した会議",
                    ),
                ),
                (
                    "meeting",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="reports.meeting",
                        verbose_name="発生会議",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical 対応事項",
                "verbose_name_plural": "historical 対応事項",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="AgendaItem",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("order", models.PositiveSmallIntegerField(verbose_name="順")),
                ("title", models.CharField(max_length=200, verbose_name="議題")),
                (
                    "reported",
                    models.TextField(blank=True, max_length=10000, verbose_name="報告内容"),
                ),
                (
                    "decided",
                    models.TextField(blank=True, max_length=10000, verbose_name="決定事項"),
                ),
                (
                    "meeting",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="agenda_items",
                        to="reports.meeting",
                    ),
                ),
            ],
            options={
                "verbose_name": "議題",
                "verbose_name_plural": "議題",
                "ordering": ["meeting", "order", "pk"],
            },
        ),
        migrations.CreateModel(
            name="ActionItem",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(max_length=300, verbose_name="対応事項")),
                ("owner", models.CharField(max_length=100, verbose_name="担当")),
                ("due", models.DateField(verbose_name="期限")),
                (
                    "status",
                    models.CharField(
                        choices=[("todo", "未着手"), ("doing", "対応中"), ("done", "完了")],
                        default="todo",
                        max_length=10,
                        verbose_name="状態",
                    ),
                ),
                (
                    "done_in",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="reports.meeting",
                        verbose_name="完了を報告した会議",
                    ),
                ),
                (
                    "meeting",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="action_items",
                        to="reports.meeting",
                        verbose_name="発生会議",
                    ),
                ),
            ],
            options={
                "verbose_name": "対応事項",
                "verbose_name_plural": "対応事項",
                "ordering": ["due", "pk"],
            },
        ),
        migrations.CreateModel(
            name="MeetingDeadlineWarning",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("materials", "資料提出"), ("minutes", "議事録提出")],
                        max_length=10,
                    ),
                ),
                (
                    "stage",
                    models.CharField(
                        choices=[("before", "前営業日"), ("day", "当日")], max_length=10
                    ),
                ),
                ("sent_at", models.DateTimeField(auto_now_add=True)),
                ("recipients", models.TextField(blank=True)),
                (
                    "meeting",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="warnings",
                        to="reports.meeting",
                    ),
                ),
            ],
            options={
                "verbose_name": "会議期限の警告",
                "verbose_name_plural": "会議期限の警告",
            },
        ),
        migrations.CreateModel(
            name="MinutesQuestion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("text", models.TextField(max_length=5000, verbose_name="疑義")),
                ("asked_at", models.DateTimeField(auto_now_add=True, verbose_name="照会日時")),
                ("answer", models.TextField(blank=True, max_length=5000, verbose_name="回答")),
                (
                    "answered_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="回答日時"),
                ),
                (
                    "answered_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "asked_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "meeting",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="questions",
                        to="reports.meeting",
                    ),
                ),
            ],
            options={
                "verbose_name": "議事録への疑義",
                "verbose_name_plural": "議事録への疑義",
                "ordering": ["asked_at", "pk"],
            },
        ),
        migrations.AddConstraint(
            model_name="meeting",
            constraint=models.UniqueConstraint(
                fields=("profile", "year", "month"), name="uniq_meeting_per_month"
            ),
        ),
        migrations.AddConstraint(
            model_name="meetingdeadlinewarning",
            constraint=models.UniqueConstraint(
                fields=("meeting", "kind", "stage"), name="uniq_meeting_deadline_warning"
            ),
        ),
        migrations.RunPython(schedules, migrations.RunPython.noop),
    ]
