"""SLA 実績報告書: created by the job (PDF text and .xlsx cells checked), checked, approved;
approving one's own report refused; an approved report is immutable, shows later data
changes as a difference, and is corrected by a new revision."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import roles
from sla.models import ImprovementPlan, Report, ReportComment, ReportJob, Result
from sla.services import reports as services
from sla.services.catalog import (
    improvement_plan_complete,
    improvement_plan_report_policy,
)
from sla.tests import reports_support
from sla.tests.reports_support import (
    batch_item,
    jst,
    make_policy,
    manual_item,
    nightly_run,
    pdf_text,
    run_job,
    workbook,
    yearly_item,
)

manager = reports_support.manager  # a fixture
media = reports_support.media  # a fixture

pytestmark = pytest.mark.django_db
S = Report.Status


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(jst(2026, 6, 10, 12, 0), tick=False)


@pytest.fixture
def policy():
    policy = make_policy()
    batch_item(policy)
    manual_item(policy)
    return policy


@pytest.fixture
def may_missed(policy):
    nightly_run(jst(2026, 5, 10, 22), 45)
    nightly_run(jst(2026, 5, 20, 22), 185)  # 3.083 h > 2 h: #8 missed


def create_may(manager, **kw) -> Report:
    report = services.report_create(
        profile="sendai", kind="monthly", period_start=date(2026, 5, 1), actor=manager, **kw
    )
    run_job(report)
    return report


def approved_may(manager, city_admin) -> Report:
    report = create_may(manager)
    report = services.report_check(report=report, actor=manager, expected_version=report.version)
    return services.report_approve(report=report, actor=city_admin, expected_version=report.version)


def test_the_job_seals_the_snapshot_and_writes_the_pdf_and_the_xlsx(
    policy, may_missed, manager, media
):
    report = create_may(manager)
    job = report.jobs.get()

    assert job.status == ReportJob.Status.SUCCEEDED
    assert report.status == S.DRAFT and report.revision == 1
    assert report.sha256 == services.snapshot_sha256(report.snapshot)
    assert services.report_verify(report)
    items = {e["number"]: e for e in report.snapshot["items"]}
    assert items["8"]["state"] == "missed" and items["8"]["in_scope"] == 2
    assert items["27"]["state"] == "pending"
    assert report.snapshot["summary"]["missed"] == 1
    assert report.pdf.name.endswith(".pdf") and report.xlsx.name.endswith(".xlsx")


def test_the_pdf_is_japanese_with_era_and_fiscal_year_labels_and_page_numbers(
    policy, may_missed, manager, media
):
    report = create_may(manager)
    with report.pdf.open("rb") as f:
        text = pdf_text(f.read())

    assert "SLA 実績報告書（月次）" in text
    assert "令和8年5月分" in text
    assert "令和8年度" in text
    assert "仙台市" in text
    assert "バッチ処理時間" in text and "操作履歴の取得" in text
    assert "未達" in text and "確認待ち" in text
    assert "1 / " in text and "ページ" in text
    assert report.sha256[:16] in text


def test_the_xlsx_has_one_row_per_item_and_a_breach_sheet_with_the_plans_cause(
    policy, may_missed, manager, city_admin, media
):
    from sla.services.results import results_compute

    results_compute(policy=policy, start=date(2026, 5, 1), end=date(2026, 5, 31))
    plan = ImprovementPlan.objects.get(item__number="8")
    improvement_plan_report_policy(
        plan=plan,
        actor=manager,
        expected_version=plan.version,
        cause="夜間の統計処理と重なった",
        policy_text="統計処理の開始時刻を繰り下げる",
    )
    report = services.report_create(
        profile="sendai", kind="monthly", period_start=date(2026, 5, 1), actor=manager
    )
    services.report_comment_add(
        report=report, actor=manager, body="=障害ではない遅延", item_number="8"
    )
    run_job(report)
    with report.xlsx.open("rb") as f:
        wb = workbook(f.read())

    ws = wb["SLA実績"]
    header = [c.value for c in ws[4]]
    assert header == [
        "番号",
        "項目",
        "目標",
        "実績",
        "判定",
        "対象件数",
        "除外件数",
        "除外（理由）",
        "コメント",
    ]
    rows = {r[0]: r for r in ws.iter_rows(min_row=5, values_only=True)}
    assert rows["8"][1] == "バッチ処理時間"
    assert rows["8"][2] == "≤ 2時間"
    assert rows["8"][4] == "未達"
    assert rows["8"][5] == 2
    assert rows["8"][8].startswith("=障害ではない遅延")  # text, never a formula
    assert ws["I5"].data_type == "s"
    assert rows["27"][4] == "確認待ち"
    assert ws.page_setup.orientation == "landscape"
    assert ws.print_area == "'SLA実績'!$A$1:$I$6"

    breaches = wb["未達一覧"]
    first = [c.value for c in breaches[5]]
    assert first[0] == "8" and first[2] == "2026年5月"
    assert first[5] == "夜間の統計処理と重なった"
    assert first[6] == "統計処理の開始時刻を繰り下げる"
    assert "令和8年5月分" in breaches["A2"].value


def test_a_report_of_a_running_or_future_month_or_outside_the_contract_is_refused(policy, manager):
    cases = [
        (date(2026, 6, 1), "まだ終わっていない期間（2026年6月）"),
        (date(2026, 8, 1), "未来の期間（2026年8月）"),
        (date(2024, 3, 1), "契約期間（2024年4月1日〜2029年3月31日）の外"),
    ]
    for start, message in cases:
        with pytest.raises(ValidationError) as exc:
            services.report_create(
                profile="sendai", kind="monthly", period_start=start, actor=manager
            )
        assert message in exc.value.message_dict["period_start"][0]
    assert not Report.objects.exists() and not ReportJob.objects.exists()


def test_one_report_per_period_and_only_vendor_managers_create(
    policy, manager, city_admin, attendee, vendor_operator, media
):
    create_may(manager)
    with pytest.raises(ValidationError, match="既にあります（第1版"):
        services.report_create(
            profile="sendai", kind="monthly", period_start=date(2026, 5, 1), actor=manager
        )
    for actor in (city_admin, attendee, vendor_operator):
        with pytest.raises(PermissionDenied):
            services.report_create(
                profile="sendai", kind="monthly", period_start=date(2026, 4, 1), actor=actor
            )
    assert Report.objects.count() == 1


def test_check_then_approve_by_a_city_admin_stamps_the_approval_into_the_pdf(
    policy, may_missed, manager, city_admin, media
):
    report = create_may(manager)
    report = services.report_check(report=report, actor=manager, expected_version=report.version)
    assert report.status == S.CHECKED and report.checked_by == manager
    report = services.report_approve(
        report=report, actor=city_admin, expected_version=report.version
    )
    assert report.status == S.APPROVED
    assert report.approved_by == city_admin
    assert report.approved_at == jst(2026, 6, 10, 12, 0)
    assert services.report_verify(report)
    with report.pdf.open("rb") as f:
        text = pdf_text(f.read())
    assert "承認済" in text and "管理者" in text


def test_approving_ones_own_report_is_refused(policy, make_user, manager, media):
    both = make_user(roles.VENDOR_MANAGER, roles.CITY_ADMIN, name="兼務 管理者")
    report = create_may(both)
    report = services.report_check(report=report, actor=manager, expected_version=report.version)
    with pytest.raises(ValidationError, match="自分が作成した報告書は承認できません"):
        services.report_approve(report=report, actor=both, expected_version=report.version)
    report.refresh_from_db()
    assert report.status == S.CHECKED and report.approved_by is None


def test_only_city_admins_approve_and_only_checked_reports(
    policy, manager, city_admin, attendee, media
):
    report = create_may(manager)
    with pytest.raises(ValidationError, match="確認済みの報告書のみ承認できます"):
        services.report_approve(report=report, actor=city_admin, expected_version=report.version)
    report = services.report_check(report=report, actor=city_admin, expected_version=report.version)
    for actor in (manager, attendee):
        with pytest.raises(PermissionDenied):
            services.report_approve(report=report, actor=actor, expected_version=report.version)
    assert Report.objects.get().status == S.CHECKED


def test_a_draft_sent_back_returns_to_the_preparer_with_the_reason(
    policy, manager, city_admin, media
):
    report = create_may(manager)
    report = services.report_check(report=report, actor=manager, expected_version=report.version)
    with pytest.raises(ValidationError):
        services.report_return(
            report=report, actor=city_admin, expected_version=report.version, reason=" "
        )
    report = services.report_return(
        report=report, actor=city_admin, expected_version=report.version, reason="総括を追記"
    )
    assert report.status == S.DRAFT and report.checked_by is None
    assert ReportComment.objects.get(report=report).body == "差し戻し: 総括を追記"


def test_an_approved_report_cannot_be_changed_by_any_service(
    policy, may_missed, manager, city_admin, media
):
    report = approved_may(manager, city_admin)
    snapshot, sha, pdf, xlsx = report.snapshot, report.sha256, report.pdf.name, report.xlsx.name
    refused = [
        lambda: services.report_update(
            report=report, actor=manager, expected_version=report.version, comment="書換え"
        ),
        lambda: services.report_generate(report=report, actor=manager),
        lambda: services.report_comment_add(
            report=report, actor=manager, body="追記", item_number="8"
        ),
        lambda: services.report_check(
            report=report, actor=manager, expected_version=report.version
        ),
        lambda: services.report_return(
            report=report, actor=city_admin, expected_version=report.version, reason="x"
        ),
        lambda: services.report_approve(
            report=report, actor=city_admin, expected_version=report.version
        ),
    ]
    for attempt in refused:
        with pytest.raises(ValidationError, match="承認済みの報告書は変更できません"):
            attempt()
    # A job queued by hand for an approved report refuses too, leaving the files alone.
    job = ReportJob.objects.create(
        report=report, requested_by=manager, requested_at=report.created_at
    )
    services.report_job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ReportJob.Status.FAILED and "承認済み" in job.error

    report.refresh_from_db()
    assert (report.snapshot, report.sha256, report.pdf.name, report.xlsx.name) == (
        snapshot,
        sha,
        pdf,
        xlsx,
    )
    # A review remark on the whole report is still welcome; it changes nothing sealed.
    services.report_comment_add(report=report, actor=city_admin, body="了承しました")
    report.refresh_from_db()
    assert report.sha256 == sha


def test_data_changed_after_approval_shows_as_a_difference_never_in_the_snapshot(
    policy, manager, city_admin, media, time_machine
):
    nightly_run(jst(2026, 5, 10, 22), 45)
    report = approved_may(manager, city_admin)
    sealed = dict(report.snapshot)
    with report.pdf.open("rb") as f:
        pdf_bytes = f.read()
    assert services.report_difference(report=report) == []

    nightly_run(jst(2026, 5, 25, 22), 200)  # a late record of a long run in May
    time_machine.shift(timedelta(hours=25))  # the month's cache expires after a day

    difference = services.report_difference(report=report)
    fields = {(d["number"], d["field"]): (d["then"], d["now"]) for d in difference}
    assert fields[("8", "判定")] == ("達成", "未達")
    assert fields[("8", "対象件数")] == (1, 2)

    report.refresh_from_db()
    assert report.snapshot == sealed
    assert services.report_verify(report)
    with report.pdf.open("rb") as f:
        assert f.read() == pdf_bytes
    assert Result.objects.get(item__number="8", period_start=date(2026, 5, 1)).state == "missed"


def test_reissue_makes_a_new_revision_and_leaves_the_approved_one_alone(
    policy, may_missed, manager, city_admin, media
):
    first = create_may(manager)
    services.report_comment_add(report=first, actor=manager, body="夜間処理の遅延", item_number="8")
    first = services.report_check(report=first, actor=manager, expected_version=first.version)
    first = services.report_approve(report=first, actor=city_admin, expected_version=first.version)
    with pytest.raises(ValidationError):
        services.report_reissue(report=first, actor=manager, reason="")
    second = services.report_reissue(report=first, actor=manager, reason="集計漏れの訂正")
    run_job(second)

    assert (second.revision, second.status) == (2, S.DRAFT)
    assert second.created_by == manager and second.sha256
    assert ReportComment.objects.filter(report=second, body__contains="第1版の再発行").exists()
    assert ReportComment.objects.get(report=second, item_number="8").body == "夜間処理の遅延"
    first.refresh_from_db()
    assert first.status == S.APPROVED and first.revision == 1
    with pytest.raises(ValidationError, match="新しい版（第2版）"):
        services.report_reissue(report=first, actor=manager, reason="もう一度")
    with pytest.raises(ValidationError, match="承認済みの報告書のみ再発行"):
        services.report_reissue(report=second, actor=manager, reason="まだ")
    with second.pdf.open("rb") as f:
        assert "第2版" in pdf_text(f.read())


def test_open_improvement_plans_appear_in_every_monthly_report_until_completed(
    policy, may_missed, manager, city_admin, media, time_machine
):
    may = create_may(manager)
    assert [p["month"] for p in may.snapshot["plans"]] == ["2026年5月"]
    plan = ImprovementPlan.objects.get()

    time_machine.move_to(jst(2026, 7, 3, 9, 0), tick=False)
    june = services.report_create(
        profile="sendai", kind="monthly", period_start=date(2026, 6, 1), actor=manager
    )
    run_job(june)
    assert [(p["number"], p["status"]) for p in june.snapshot["plans"]] == [("8", "open")]
    assert june.snapshot["breaches"] == []

    plan = improvement_plan_report_policy(
        plan=plan, actor=manager, expected_version=plan.version, cause="原因", policy_text="方針"
    )
    improvement_plan_complete(
        plan=plan,
        actor=manager,
        expected_version=plan.version,
        policy_text="方針",
        countermeasure="開始時刻を変更",
    )
    time_machine.move_to(jst(2026, 9, 2, 9, 0), tick=False)
    august = services.report_create(
        profile="sendai", kind="monthly", period_start=date(2026, 8, 1), actor=manager
    )
    run_job(august)
    assert august.snapshot["plans"] == []


def test_a_yearly_report_sums_up_the_months_and_computes_the_yearly_items(
    policy, manager, media, time_machine
):
    yearly_item(policy)
    nightly_run(jst(2025, 5, 20, 22), 185)  # May 2025 missed
    nightly_run(jst(2025, 9, 20, 22), 60)
    time_machine.move_to(jst(2026, 4, 15, 9, 0), tick=False)

    report = services.report_create(
        profile="sendai", kind="yearly", period_start=date(2025, 4, 1), actor=manager
    )
    job = run_job(report)
    assert job.status == ReportJob.Status.SUCCEEDED, job.error
    assert (report.period_start, report.period_end) == (date(2025, 4, 1), date(2026, 3, 31))
    items = {e["number"]: e for e in report.snapshot["items"]}
    assert items["8"]["state"] == "missed"
    assert items["8"]["value_text"] == "達成 1／2か月（未達: 5月）"
    assert [m["mark"] for m in items["8"]["months"]][:3] == ["－", "×", "－"]
    assert items["Y1"]["state"] == "missed" and items["Y1"]["period"] == "yearly"
    assert Result.objects.filter(period_start__year=2025, item__number="8").count() == 9
    with report.pdf.open("rb") as f:
        text = pdf_text(f.read())
    assert "SLA 実績報告書（年次）" in text and "令和7年度" in text
    with report.xlsx.open("rb") as f:
        ws = workbook(f.read())["SLA実績"]
    assert [c.value for c in ws[4]][5:8] == ["4月", "5月", "6月"]


def test_a_job_delivered_twice_runs_once(policy, manager, media):
    report = create_may(manager)
    job = report.jobs.get()
    first_sha, first_version = report.sha256, report.version
    services.report_job_execute(job_id=job.pk)
    report.refresh_from_db()
    assert (report.sha256, report.version) == (first_sha, first_version)


def test_a_check_based_on_an_outdated_page_is_refused(policy, manager, city_admin, media):
    from core.concurrency import ConflictError

    report = create_may(manager)
    seen = report.version
    services.report_generate(report=report, actor=manager)
    run_job(report)  # generated again while the page was open
    with pytest.raises(ConflictError):
        services.report_check(report=report, actor=city_admin, expected_version=seen)
    assert Report.objects.get().status == S.DRAFT
