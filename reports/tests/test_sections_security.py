"""Monthly report sections: security, configuration, backups and batch (reports.sections.security).

October 2026 is the report month throughout; rows are written with the clock moved to the
day they describe, so the simple-history "as of month end" reads see what the month saw.
"""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.db.migrations.recorder import MigrationRecorder

from backups.models import BackupRun, Drill, Event, Generation
from core.timeutil import JST
from incidents.models import HealthSample
from ops.models.registry import (
    Document,
    Environment,
    InstalledVersion,
    Licence,
    MalwareDetection,
    Patch,
    Release,
    Server,
    SoftwareItem,
    VirusDefinitionUpdate,
)
from ops.models.routine import RoutineOccurrence, RoutineOperation
from reports.models.statistics import ResourceSample
from reports.sections.base import NO_SOURCE, Period
from reports.sections.security import backups, batch, configuration, security

pytestmark = pytest.mark.django_db

OCT = Period(date(2026, 10, 1), "sendai")


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=JST)


def on(day: date, hour: int = 10):
    """Move the clock to that JST day, so history rows are dated then."""
    return time_machine.travel(at(day, hour), tick=False)


def fig(section, label):
    matches = [f for f in section.figures if f.label == label]
    assert len(matches) == 1, [f.label for f in section.figures]
    return matches[0]


def table(section, caption):
    matches = [t for t in section.tables if t.caption == caption]
    assert len(matches) == 1, [t.caption for t in section.tables]
    return matches[0]


# --- empty month ------------------------------------------------------------------------------


def test_an_empty_month_says_so_in_words_never_zero():
    sec = security(OCT)
    assert sec.absent == "当月のウイルス定義・パッチ・マルウェア検知の記録はありません。"
    assert not sec.has_content
    conf = configuration(OCT)
    assert "登録がありません" in conf.absent
    back = backups(OCT)
    assert back.absent == "当月のバックアップ実行記録はありません。"
    media = fig(back, "媒体在庫")
    assert media.value is None and NO_SOURCE in media.absent and "紙の管理台帳" in media.absent
    jobs = batch(OCT)
    assert jobs.absent == "当月のバッチ処理の実行記録はありません。"
    rows = {r[0]: r for r in table(jobs, "バッチ処理の実行結果（当月）").rows}
    assert rows["システム資源の計測（5分毎）"][1:6] == [None] * 5
    assert rows["稼働監視（1分ごと）"][-1] == "当月の記録なし"
    assert fig(jobs, "夜間バックアップの最長所要時間").value is None
    nightly = fig(jobs, "夜間バックアップの成功")
    assert nightly.value is None and nightly.absent == "当月の夜間バックアップの実行記録なし"


# --- security ---------------------------------------------------------------------------------


@pytest.fixture
def security_world():
    with on(date(2026, 8, 1)):
        prod = Environment.objects.get(code="production")
        ap = Server.objects.create(environment=prod, name="ap01")
        db = Server.objects.create(environment=prod, name="db01")
        Server.objects.create(environment=prod, name="bk01")
        Server.objects.create(environment=prod, name="old01", active=False)
        django = SoftwareItem.objects.create(name="Django", category="library")
        VirusDefinitionUpdate.objects.create(
            server=db,
            definition_version="db-v0",
            released_on=date(2026, 8, 1),
            applied_on=date(2026, 8, 2),
        )

    def virus(server, version, released, applied=None):
        VirusDefinitionUpdate.objects.create(
            server=server, definition_version=version, released_on=released, applied_on=applied
        )

    virus(ap, "ap-v1", date(2026, 9, 28), date(2026, 10, 3))  # due 10/05, on time
    virus(ap, "ap-v2", date(2026, 10, 10), date(2026, 10, 20))  # due 10/17, late
    virus(ap, "ap-v3", date(2026, 10, 28))  # due 11/04, open at month end
    virus(db, "db-v1", date(2026, 10, 1), date(2026, 10, 2))  # due 10/08, on time

    def patch(ident, released, **extra):
        with on(extra.pop("day", released)):
            return Patch.objects.create(
                software=django,
                identifier=ident,
                title=f"{ident} 修正",
                released_on=released,
                **extra,
            )

    patch(
        "P1",
        date(2026, 10, 5),
        verified_on=date(2026, 10, 8),
        verification_result="ok",
        decision="apply",
        applied_on=date(2026, 10, 12),
        day=date(2026, 10, 12),
    )
    patch("P2", date(2026, 10, 6), decision="not_applicable", decision_reason="機能を使用しない")
    patch("P3", date(2026, 8, 15))  # overdue since 09/14
    patch("P4", date(2026, 9, 10), applied_on=date(2026, 10, 20), day=date(2026, 10, 20))
    patch("P5", date(2026, 9, 20), decision="not_applicable", decision_reason="対象外")
    patch("P7", date(2026, 9, 25))  # due 10/25 inside the month, still open
    p6 = patch("P6", date(2026, 10, 25))
    with on(date(2026, 11, 3)):
        p6.decision, p6.applied_on = "apply", date(2026, 11, 3)
        p6.save()  # after the month: October still saw it open

    with on(date(2026, 10, 14)):
        found = MalwareDetection.objects.create(
            server=ap,
            detected_at=at(date(2026, 10, 14), 9),
            name="EICAR-Test",
            incident_number="INC-2026-0042",
        )
    with on(date(2026, 11, 2)):
        found.status = "removed"
        found.save()
    with on(date(2026, 9, 30)):
        MalwareDetection.objects.create(server=db, detected_at=at(date(2026, 9, 30)), name="old")


def test_security_virus_definitions_per_server(security_world):
    sec = security(OCT)
    rows = table(sec, "サーバー別ウイルス定義の更新").rows
    assert rows == [
        # env, server, released, applied, due, on time, late, open at end, newest applied
        ["本番", "ap01", 2, 2, 2, 1, 1, 1, "ap-v2"],
        ["本番", "bk01", None, None, None, None, None, None, None],
        ["本番", "db01", 1, 1, 1, 1, 0, 0, "db-v1"],
    ]
    assert fig(sec, "ウイルス定義の公開（当月・全サーバー）").value == 3
    share = fig(sec, "ウイルス定義 期限内適用率（SLA #28）")
    assert (share.value, share.note) == (66.7, "2/3件")


def test_security_detections_and_their_state_at_month_end(security_world):
    sec = security(OCT)
    assert fig(sec, "マルウェア検知（当月）").value == 1
    assert table(sec, "マルウェア検知（当月）").rows == [
        [at(date(2026, 10, 14), 9), "本番", "ap01", "EICAR-Test", "対応中", "INC-2026-0042"]
    ]


def test_security_patches(security_world):
    sec = security(OCT)
    values = {f.label: f.value for f in sec.figures}
    assert values["パッチの公開（当月）"] == 3
    assert values["うち適用と判断"] == 1
    assert values["うち不適用と判断"] == 1
    assert values["検証環境での適用（当月）"] == 1
    assert values["本番環境への適用（当月）"] == 2
    assert values["未対応（月末時点）"] == 3
    assert values["うち期限超過（月末時点）"] == 2
    share = fig(sec, "パッチ 期限内対応率（SLA #29）")
    assert (share.value, share.note) == (33.3, "1/3件")  # P5 met; P4 late, P7 open
    released = table(sec, "当月公開のパッチと適用可否").rows
    assert [r[0] for r in released] == ["P1", "P2", "P6"]
    assert released[0][1:] == [
        "Django",
        "P1 修正",
        date(2026, 10, 5),
        date(2026, 11, 4),
        date(2026, 10, 8),
        "問題なし",
        "適用",
        None,
        date(2026, 10, 12),
    ]
    assert released[1][-3:] == ["不適用", "機能を使用しない", None]
    assert released[2][-3:] == ["未判断", None, None]  # the November decision is not seen
    opened = table(sec, "未対応のパッチ（月末時点）").rows
    assert [(r[0], r[-1]) for r in opened] == [
        ("P3", "期限超過"),
        ("P7", "期限超過"),
        ("P6", "期限内"),
    ]


def test_security_is_deterministic_and_ignores_other_months(security_world):
    assert security(OCT) == security(OCT)
    sept = security(Period(date(2026, 9, 1), "sendai"))
    assert fig(sept, "マルウェア検知（当月）").value == 1
    # P4 (released 09/10) was only recorded on 10/20: September's report never saw it.
    assert fig(sept, "パッチの公開（当月）").value == 2  # P5, P7


def test_security_share_waits_for_the_month_to_end(security_world):
    with time_machine.travel(at(date(2026, 10, 20)), tick=False):
        sec = security(OCT)
    share = fig(sec, "ウイルス定義 期限内適用率（SLA #28）")
    assert share.value is None and "終わっていない" in share.absent


def test_no_antivirus_records_means_no_detection_count():
    with on(date(2026, 8, 1)):
        prod = Environment.objects.get(code="production")
        item = SoftwareItem.objects.create(name="Django", category="library")
        Server.objects.create(environment=prod, name="ap01")
        Patch.objects.create(software=item, identifier="X", title="x", released_on=date(2026, 8, 1))
    sec = security(OCT)
    assert not sec.absent
    detections = fig(sec, "マルウェア検知（当月）")
    assert detections.value is None and detections.absent
    assert fig(sec, "ウイルス定義の公開（当月・全サーバー）").value is None


# --- configuration ----------------------------------------------------------------------------


@pytest.fixture
def registry_world():
    with on(date(2026, 9, 1)):
        # Seeded by the migration, without history: taken as they are now.
        prod, stg = (
            Environment.objects.get(code="production"),
            Environment.objects.get(code="staging"),
        )
        pg = SoftwareItem.objects.create(
            name="PostgreSQL", category="middleware", support_ends_on=date(2027, 2, 1)
        )
        pg_prod = InstalledVersion.objects.create(
            software=pg, environment=prod, installed_version="16.3"
        )
        InstalledVersion.objects.create(software=pg, environment=stg, installed_version="16.4")
        dj = SoftwareItem.objects.create(name="django", category="library", source="python")
        rq = SoftwareItem.objects.create(name="requests", category="library", source="python")
        for env in (prod, stg):
            InstalledVersion.objects.create(software=dj, environment=env, installed_version="5.2.1")
        InstalledVersion.objects.create(software=rq, environment=prod, installed_version="2.32.3")
        Licence.objects.create(
            name="L-expired", count=5, holder="市", expires_on=date(2026, 10, 15)
        )
        Licence.objects.create(name="L-soon", count=2, holder="市", expires_on=date(2026, 11, 20))
        Licence.objects.create(name="L-forever", count=1, holder="事業者")
        Licence.objects.create(name="L-ok", count=3, holder="市", expires_on=date(2027, 6, 1))
        manual = Document.objects.create(
            kind="run_manual",
            title="運用マニュアル",
            doc_version="1.0",
            issued_on=date(2026, 9, 1),
            file="ops/documents/run.pdf",
        )
        gone = Document.objects.create(
            kind="other", title="旧手順", doc_version="1", issued_on=date(2026, 9, 1), file="x.pdf"
        )
    with on(date(2026, 10, 5)):
        Document.objects.create(
            kind="incident_procedure",
            title="障害時対応手順書",
            doc_version="1.0",
            issued_on=date(2026, 10, 5),
            file="ops/documents/inc.pdf",
        )
        Release.objects.create(
            environment=prod,
            released_at=at(date(2026, 10, 5), 19),
            title="10月定期リリース",
            description="内容",
            software=pg,
            release_version="16.3",
        )
    with on(date(2026, 10, 10)):
        manual.doc_version = "2.0"
        manual.save()
    with on(date(2026, 10, 20)):
        gone.delete()
    with on(date(2026, 11, 3)):
        pg_prod.installed_version = "16.4"
        pg_prod.save()
        Licence.objects.create(name="L-november", count=1, holder="市")
        Release.objects.create(
            environment=prod,
            released_at=at(date(2026, 11, 3)),
            title="11月",
            description="x",
            release_version="1",
        )


def test_configuration_versions_as_of_month_end(registry_world):
    sec = configuration(OCT)
    main = table(sec, "ソフトウェアと環境ごとの導入バージョン（月末時点）")
    assert main.columns == ["名称", "分類", "本番", "検証・保守", "サポート終了日", "状況"]
    assert main.rows == [
        [
            "PostgreSQL",
            "ミドルウェア",
            "16.3",
            "16.4",
            date(2027, 2, 1),
            "サポート終了間近、環境間で異なる",
        ]
    ]
    packages = table(sec, "環境間でバージョンが異なるパッケージ（月末時点）")
    assert packages.rows == [["requests", "ライブラリ", "2.32.3", None]]
    assert fig(sec, "Python パッケージ").value == 2
    debian = fig(sec, "Debian パッケージ")  # never filled: words, not 0
    assert (debian.value, debian.absent) == (None, "登録なし")


def test_configuration_releases_licences_documents(registry_world):
    sec = configuration(OCT)
    assert table(sec, "リリース（当月）").rows == [
        [at(date(2026, 10, 5), 19), "本番", "10月定期リリース", "PostgreSQL", "16.3"]
    ]
    licences = table(sec, "ライセンス（月末時点）").rows
    assert [(r[0], r[-1]) for r in licences] == [
        ("L-expired", "期限切れ"),
        ("L-soon", "期限間近"),
        ("L-ok", "有効"),
        ("L-forever", "有効（無期限）"),
    ]
    assert fig(sec, "ライセンス").value == 4
    assert (fig(sec, "うち期限切れ").value, fig(sec, "うち期限間近").value) == (1, 1)
    docs = table(sec, "文書（月末時点）").rows
    assert docs == [
        ["障害時対応手順書", "障害時対応手順書", "1.0", date(2026, 10, 5), "新規"],
        ["運用マニュアル", "運用マニュアル", "2.0", date(2026, 9, 1), "更新"],
    ]
    values = {f.label: f.value for f in sec.figures}
    assert (values["うち当月の新規"], values["うち当月の更新"], values["当月に削除した文書"]) == (
        1,
        1,
        1,
    )
    assert configuration(OCT) == sec


# --- backups ----------------------------------------------------------------------------------


def generation(name, kind, started, minutes=30, status="verified", removed=None, size=0):
    return Generation.objects.create(
        name=name,
        kind=kind,
        started_at=started,
        finished_at=started + timedelta(minutes=minutes),
        status=status,
        db_bytes=size,
        media_bytes=size,
        db_sha256="0",
        media_sha256="0",
        manifest_sha256="0",
        server_version="16",
        dump_version="16",
        recipients="age1",
        removed_at=removed,
    )


def run(kind, status, started, minutes, gen=None, error=""):
    BackupRun.objects.create(
        kind=kind,
        status=status,
        started_at=started,
        generation=gen,
        error=error,
        finished_at=started + timedelta(minutes=minutes) if minutes is not None else None,
    )


@pytest.fixture
def backup_world():
    mb = 1024 * 1024
    g1 = generation("g1", "nightly", at(date(2026, 10, 1), 0), size=50 * mb)  # first instant
    g2 = generation(
        "g2",
        "nightly",
        at(date(2026, 10, 2), 22),
        status="expired",
        removed=at(date(2026, 11, 5)),
        size=100 * mb,
    )
    generation(
        "g-old",
        "nightly",
        at(date(2026, 9, 1), 22),
        status="expired",
        removed=at(date(2026, 10, 15)),
    )
    generation("g-sys", "system", at(date(2026, 10, 10), 14))
    generation("g-nov", "nightly", at(date(2026, 11, 1), 0))
    run("nightly", "succeeded", at(date(2026, 10, 1), 0), 30, g1)
    run("nightly", "succeeded", at(date(2026, 10, 2), 22), 45, g2)
    run("nightly", "failed", at(date(2026, 10, 3), 22), 10, error="ディスク不足")
    run("nightly", "skipped", at(date(2026, 10, 4), 22), 0)
    run("nightly", "succeeded", at(date(2026, 9, 30), 22), 90)  # September
    run("nightly", "failed", at(date(2026, 11, 1), 0), 5)  # November
    Drill.objects.create(
        generation=g1,
        status="passed",
        started_at=at(date(2026, 10, 6), 23),
        finished_at=at(date(2026, 10, 6), 23) + timedelta(minutes=12),
        restore_seconds=600,
        tables_checked=40,
        rows_checked=12000,
        mismatches=[],
    )
    Event.objects.create(at=at(date(2026, 10, 9), 3), action="verify_failed", generation_name="x")
    Event.objects.create(at=at(date(2026, 9, 9), 3), action="verify_failed", generation_name="y")
    for slot, backup, root in (
        (at(date(2026, 10, 1), 0), 40.0, 20.0),
        (at(date(2026, 10, 15), 12), 72.5, 30.0),
        (at(date(2026, 10, 31), 23, 55), 61.25, 25.0),
        (at(date(2026, 11, 1), 0), 99.0, 99.0),
        (at(date(2026, 8, 20), 0), 33.0, 10.0),
    ):
        ResourceSample.objects.create(
            slot=slot,
            taken_at=slot,
            cpu_percent=1,
            memory_percent=1,
            disk_root_percent=root,
            disk_backup_percent=backup,
            db_bytes=2 * mb,
        )


def test_backup_runs_drills_and_generations(backup_world):
    sec = backups(OCT)
    assert not sec.absent
    runs = table(sec, "バックアップ実行（当月）").rows
    # kind, runs, ok, failed, skipped, running, avg min, longest min, total MB, biggest MB
    assert runs == [
        ["夜間", 4, 2, 1, 1, 0, 28.3, 45.0, 300.0, 200.0],
    ]
    assert table(sec, "失敗したバックアップ（当月）").rows == [
        [at(date(2026, 10, 3), 22), "夜間", "ディスク不足"]
    ]
    assert table(sec, "復元訓練（当月）").rows == [
        [at(date(2026, 10, 6), 23), "合格", "g1", 10.0, 40, 12000, 0]
    ]
    assert table(sec, "保存している世代（月末時点）").rows == [
        ["夜間", 2, 1, at(date(2026, 10, 1), 0), at(date(2026, 10, 2), 22)],
        ["システム（変更前後）", 1, 1, at(date(2026, 10, 10), 14), at(date(2026, 10, 10), 14)],
    ]
    assert fig(sec, "世代検証の失敗（当月）").value == 1


def test_backup_disk_comes_from_the_months_samples(backup_world):
    sec = backups(OCT)
    assert fig(sec, "バックアップ領域の使用率（月最大）").value == 72.5
    last = fig(sec, "バックアップ領域の使用率（月末の計測）")
    assert (last.value, last.note) == (61.2, "10/31 23:55 の計測")
    assert fig(sec, "システム領域（/）の使用率（月最大）").value == 30.0
    chart = sec.charts[0]
    assert chart.categories[-3:] == ["26/08", "26/09", "26/10"]
    backup = chart.series[0].values
    assert backup[-3:] == [33.0, None, 72.5]  # September had no sample: a gap, not 0
    assert len(backup) == 12
    media = fig(sec, "媒体在庫")
    assert media.value is None and "紙の管理台帳" in media.absent


def test_backup_shares_before_installation_are_words(backup_world):
    sec = backups(OCT)
    planned = fig(sec, "夜間バックアップの計画どおりの実施（SLA #23）")
    assert planned.value is None and "導入前" in planned.absent
    assert backups(OCT) == sec


def test_backup_share_counts_the_nights(settings):
    settings.CITY_PROFILE = "sendai"
    MigrationRecorder.Migration.objects.filter(app="backups").update(applied=at(date(2026, 1, 1)))
    day = date(2026, 10, 1)
    while day <= date(2026, 10, 31):
        if day not in (date(2026, 10, 10), date(2026, 10, 20)):
            generation(f"n{day:%d}", "nightly", at(day, 22))
        day += timedelta(days=1)
    share = fig(backups(OCT), "夜間バックアップの計画どおりの実施（SLA #23）")
    assert (share.value, share.note) == (93.5, "29/31件")


def test_backup_month_without_samples_says_so(backup_world):
    sept = backups(Period(date(2026, 9, 1), "sendai"))
    disk = fig(sept, "バックアップ領域の使用率（月最大）")
    assert disk.value is None and "資源計測の記録がありません" in disk.absent
    assert table(sept, "バックアップ実行（当月）").rows[0][:3] == ["夜間", 1, 1]
    assert fig(sept, "世代検証の失敗（当月）").value == 1


# --- batch ------------------------------------------------------------------------------------


def test_batch_counts_runs_per_job(backup_world):
    for minute in (0, 1):
        for component in ("db", "redis"):
            HealthSample.objects.create(
                at=at(date(2026, 10, 3), 1, minute), component=component, ok=True
            )
    HealthSample.objects.create(at=at(date(2026, 11, 1), 0), component="db", ok=True)
    with on(date(2026, 9, 1)):
        op = RoutineOperation.objects.create(
            name="ログ確認",
            category="monitoring",
            frequency="daily",
            due_time=time(17),
            valid_from=date(2026, 9, 1),
        )
    for day, status in ((1, "done"), (2, "late"), (3, "missed"), (31, "planned")):
        RoutineOccurrence.objects.create(
            operation=op,
            rule_date=date(2026, 10, day),
            due_date=date(2026, 10, day),
            due_at=at(date(2026, 10, day), 17),
            status=status,
            done_at=at(date(2026, 10, day), 16) if status in ("done", "late") else None,
        )
    sec = batch(OCT)
    assert not sec.absent
    rows = {r[0]: r[1:7] for r in table(sec, "バッチ処理の実行結果（当月）").rows}
    assert rows["夜間バックアップ"] == [4, 2, 1, 1, 45.0, "backups（バックアップ実行）"]
    assert rows["手動バックアップ"] == [0, 0, 0, 0, None, "backups（バックアップ実行）"]
    assert rows["復元訓練（週次）"] == [1, 1, 0, 0, 12.0, "backups（復元訓練）"]
    assert rows["データ抽出"][:5] == [0, 0, 0, 0, None]
    assert rows["システム資源の計測（5分毎）"][:4] == [8928, 3, 8925, None]
    assert rows["稼働監視（1分ごと）"][:3] == [44640, 2, 44638]
    assert rows["定常運用（運用カレンダー）"][:4] == [4, 2, 1, 1]
    assert fig(sec, "夜間バックアップの最長所要時間").value == 45.0
    success = fig(sec, "夜間バックアップの成功")
    assert (success.value, success.note) == (2, "実行 4 回")
    assert "バックアップ世代の検証" in sec.notes[0]
    assert batch(OCT) == sec
