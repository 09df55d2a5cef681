"""Usage sections of the monthly report against hand-built rows: exact figures, words for
an empty month, determinism, and the month's edges (JST)."""

from datetime import date, datetime, timedelta
from itertools import count

import pytest

from accounts import roles
from accounts.models import OrgUnit
from accounts.tests.factories import OrgUnitFactory
from core import request_log
from core.models import RequestDailyStat
from core.timeutil import JST
from helpdesk.models import Category, Countermeasure, Faq, Inquiry, LiaisonSlip, WorkRequest
from reports.models import FunctionName, ResourceSample
from reports.sections.base import Period
from reports.sections.usage import investigations, qa, resources, support_work

pytestmark = pytest.mark.django_db
MAY = Period(date(2026, 5, 1), "sendai")
APRIL, JUNE = date(2026, 4, 1), date(2026, 6, 1)
_seq = count(1)


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to("2026-06-15 10:00 +0900")


def at(day: int, hour: int = 10, minute: int = 0, month: date = MAY.month) -> datetime:
    return datetime(month.year, month.month, day, hour, minute, tzinfo=JST)


def fig(section, label):
    found = [f for f in section.figures if f.label == label]
    assert found, label
    return found[0]


def table(section, caption_start):
    found = [t for t in section.tables if t.caption.startswith(caption_start)]
    assert found, caption_start
    return found[0]


def chart(section, title_start):
    found = [c for c in section.charts if c.title.startswith(title_start)]
    assert found, title_start
    return found[0]


# --- resources --------------------------------------------------------------------------


def log(when: datetime, view: str, *, status=200, ms=10.0, user=None, method="GET"):
    return request_log.make_row(
        user_id=user,
        view_name=view,
        method=method,
        status=status,
        duration_us=int(ms * 1000),
        at=when.timestamp(),
    )


def login(when: datetime, user: int, status=302):
    return log(when, "login", method="POST", status=status, user=user)


def sample(when: datetime, cpu: float, mem: float = 50.0, db_mb: int = 100):
    ResourceSample.objects.create(
        slot=when,
        taken_at=when,
        cpu_percent=cpu,
        memory_percent=mem,
        disk_root_percent=60.0,
        disk_backup_percent=None,
        db_bytes=db_mb * 1024 * 1024,
    )


def test_resources_counts_logins_requests_functions_and_samples(make_user):
    worker = make_user(roles.CASEWORKER)
    vendor = make_user(roles.VENDOR_OPERATOR)
    rows = [
        login(at(1, 9), worker.pk),
        login(at(1, 10), worker.pk),
        login(at(2, 9), vendor.pk),
        login(at(2, 9), None, status=200),  # failed attempt: not a login
        *[log(at(3, 10), "helpdesk:slip_list", ms=i, user=worker.pk) for i in range(1, 101)],
        log(at(3, 11), "incidents:list", status=500, user=vendor.pk),
        # Outside May in JST: neither counts.
        login(at(30, 23, 59, month=APRIL), worker.pk),
        login(at(1, 0, 0, month=JUNE), worker.pk),
    ]
    request_log._insert_rows(rows)
    sample(at(10, 12, 0), 10.0, mem=40.0, db_mb=100)
    sample(at(10, 12, 5), 30.0, mem=44.0, db_mb=300)
    sample(at(31, 23, 55), 70.0)
    sample(at(1, 0, 0, month=JUNE), 99.0)  # June: not counted

    section = resources(MAY)

    assert section.absent == ""
    assert fig(section, "ログイン件数").value == 3
    assert fig(section, "ログイン利用者数（実人数）").value == 2
    assert fig(section, "リクエスト件数").value == 105
    assert fig(section, "エラー件数（HTTP 500番台）").value == 1
    assert fig(section, "サーバ資源の計測数").value == 3
    by_role = {r[0]: r[1:] for r in table(section, "役割別").rows}
    assert by_role == {
        roles.role_label(roles.CASEWORKER): [2, 1],
        roles.role_label(roles.VENDOR_OPERATOR): [1, 1],
    }
    functions = table(section, "機能別").rows
    assert functions[0][1:3] == [100, 1]
    assert functions[0][3] == pytest.approx(95.0, abs=0.1)
    assert functions[0][4] == 0
    assert functions[1][:3] == ["ログイン", 4, 2]
    days = table(section, "サーバ資源（日別）").rows
    assert [d[0] for d in days] == [date(2026, 5, 10), date(2026, 5, 31)]
    assert days[0][1:6] == [2, 20.0, 30.0, 42.0, 44.0]
    assert days[0][8] is None  # backup area not measured
    assert days[0][9:] == [200.0, 300.0]
    logins = chart(section, "日別ログイン").series[0].values
    assert len(logins) == 31
    assert logins[:3] == [2, 1, 0]
    cpu = chart(section, "サーバ資源").series[0].values
    assert (cpu[9], cpu[30], cpu[0]) == (30.0, 70.0, None)


def test_resources_month_without_any_record_says_so():
    request_log._insert_rows([log(at(15, month=APRIL), "incidents:list")])
    sample(at(15, month=APRIL), 10.0)
    section = resources(MAY)
    assert section.absent == "当月のリクエスト記録・サーバ資源の計測記録はありません。"
    assert not section.has_content


def test_resources_requests_without_samples_has_words_not_zeros():
    request_log._insert_rows([log(at(5), "incidents:list")])
    section = resources(MAY)
    measured = fig(section, "サーバ資源の計測数")
    assert measured.value is None and "ありません" in measured.absent
    assert table(section, "サーバ資源（日別）").rows == []
    assert set(chart(section, "サーバ資源").series[0].values) == {None}
    assert fig(section, "ログイン件数").value == 0  # accounting ran: a counted zero


def test_resources_month_whose_raw_rows_were_dropped_counts_the_rollup_only():
    RequestDailyStat.objects.create(
        day=date(2026, 5, 3),
        view_name="a:b",
        status_class=5,
        requests=7,
        users=1,
        total_duration_us=1,
        max_duration_us=1,
        over_3s=0,
    )
    section = resources(MAY)
    assert fig(section, "リクエスト件数").value == 7
    assert fig(section, "エラー件数（HTTP 500番台）").value == 7
    logins = fig(section, "ログイン件数")
    assert logins.value is None and "削除済み" in logins.absent
    assert table(section, "機能別").rows == []
    assert set(chart(section, "日別ログイン").series[0].values) == {None}


def test_response_time_trend_has_gaps_for_months_without_rows():
    request_log._insert_rows(
        [log(at(5, month=date(2026, 3, 1)), "a:b", ms=ms) for ms in range(1, 101)]
        + [log(at(5), "a:b", ms=40.0)]
    )
    trend = chart(resources(MAY), "応答時間")
    assert trend.categories[0] == "25/06" and trend.categories[-1] == "26/05"
    values = trend.series[0].values
    assert values[-1] == 40.0
    assert values[-3] == pytest.approx(95.0, abs=0.1)
    assert values[-2] is None and values[0] is None


def test_function_names_are_those_at_the_end_of_the_month(time_machine):
    time_machine.move_to("2026-05-20 10:00 +0900")
    name = FunctionName.objects.create(view_name="helpdesk:slip_list", label="連絡票一覧")
    time_machine.move_to("2026-06-10 10:00 +0900")
    name.label = "連絡票の一覧（新）"
    name.save()
    request_log._insert_rows([log(at(3), "helpdesk:slip_list")])
    assert table(resources(MAY), "機能別").rows[0][0] == "連絡票一覧"


def test_resources_is_deterministic(make_user):
    worker = make_user(roles.CASEWORKER)
    request_log._insert_rows([login(at(1), worker.pk), log(at(2), "x:y", ms=3)])
    sample(at(2), 5.0)
    assert resources(MAY) == resources(MAY)


# --- help desk rows -------------------------------------------------------------------


def inquiry(received_at, *, unit=None, channel="phone", category=None, **kw) -> Inquiry:
    n = next(_seq)
    return Inquiry.objects.create(
        number=f"Q8-{n:05d}",
        fiscal_year=2026,
        sequence=n,
        received_at=received_at,
        channel=channel,
        caller_unit=unit,
        category=category,
        subject="児童 山田太郎 の記録",  # must never reach the report
        content="内容",
        due_at=kw.pop("due_at", received_at + timedelta(days=1)),
        **kw,
    )


def slip(raised_at, user, **kw) -> LiaisonSlip:
    n = next(_seq)
    return LiaisonSlip.objects.create(
        number=f"S8-{n:05d}",
        fiscal_year=2026,
        sequence=n,
        raised_at=raised_at,
        raised_by=user,
        event="ケース C-2026-0001 の事象",
        **kw,
    )


def work_request(requested_at, user, **kw) -> WorkRequest:
    n = next(_seq)
    return WorkRequest.objects.create(
        number=f"W8-{n:05d}",
        fiscal_year=2026,
        sequence=n,
        requested_at=requested_at,
        requester=user,
        title=kw.pop("title", f"作業{n}"),
        content="内容",
        **kw,
    )


def faq(created, updated, status=Faq.Status.PUBLISHED) -> Faq:
    row = Faq.objects.create(question="質問", answer="回答", status=status)
    Faq.objects.filter(pk=row.pk).update(created_at=created, updated_at=updated)
    return row


def every_text(section) -> str:
    parts = [f.label + str(f.value) + f.note + f.absent for f in section.figures]
    for t in section.tables:
        parts += [t.caption, t.note, t.empty] + [str(c) for r in t.rows for c in r]
    return " ".join(parts + section.notes)


# --- Q&A --------------------------------------------------------------------------------


def test_qa_figures_by_asker_category_and_channel(vendor_operator):
    hq = OrgUnitFactory(kind=OrgUnit.Kind.HQ)
    ward = OrgUnitFactory(kind=OrgUnit.Kind.WARD)
    center = OrgUnitFactory(kind=OrgUnit.Kind.CENTER)
    printing = Category.objects.create(name="帳票")
    login_cat = Category.objects.create(name="ログイン")
    # Answered in time, in May.
    inquiry(at(1), unit=hq, category=printing, answered_at=at(1, 15))
    # Answered late (due 5/3 10:00, answered 5/4).
    inquiry(at(2), unit=ward, channel="mail", category=printing, answered_at=at(4))
    # Answered in June: open at May's end, and past due.
    inquiry(at(10), unit=center, category=login_cat, answered_at=at(2, month=JUNE))
    # Not yet answered, due only in June: open, not past due.
    inquiry(at(31, 20), channel="mail", due_at=at(2, month=JUNE))
    # Settled by a slip closed in May, never answered: not open.
    settled = inquiry(at(5), unit=ward, category=login_cat, status=Inquiry.Status.CLOSED)
    slip(at(5), vendor_operator, inquiry=settled, closed_at=at(8))
    # April inquiry answered in May (after its 4/29 due): answered and late, not received.
    inquiry(at(28, month=APRIL), unit=hq, answered_at=at(1, 9))
    # June: nothing.
    inquiry(at(1, 0, month=JUNE), unit=hq)
    faq(at(3), at(3))  # added
    faq(at(3, month=APRIL), at(20))  # updated
    faq(at(4), at(4), status=Faq.Status.DRAFT)  # drafts are not delivered
    faq(at(3, month=APRIL), at(3, month=APRIL))  # untouched in May

    section = qa(MAY)

    values = {f.label: f.value for f in section.figures}
    assert values == {
        "受付件数": 5,
        "回答件数": 3,
        "うち回答期限超過": 2,
        "未回答（月末時点）": 2,
        "うち回答期限超過（月末時点）": 1,
        "FAQ追加": 1,
        "FAQ更新": 1,
    }
    assert table(section, "問合せ元別").rows == [
        ["所管課（本庁）", 1],
        ["一般利用者（児童相談所）", 1],
        ["一般利用者（区役所）", 2],
        ["所属未登録（メール受付等）", 1],
    ]
    grid = table(section, "分類別")
    assert grid.columns == ["分類", "電話", "メール", "窓口", "その他", "計"]
    assert grid.rows == [
        ["ログイン", 2, 0, 0, 0, 2],
        ["帳票", 1, 1, 0, 0, 2],
        ["未分類", 0, 1, 0, 0, 1],
        ["合計", 3, 2, 0, 0, 5],
    ]
    assert "山田" not in every_text(section)


def test_qa_trend_leaves_months_before_the_first_inquiry_empty():
    inquiry(at(15, month=date(2026, 2, 1)))
    inquiry(at(15))
    inquiry(at(16))
    trend = chart(qa(MAY), "問合せ件数")
    assert trend.kind == "bar"
    assert trend.categories[-4:] == ["26/02", "26/03", "26/04", "26/05"]
    assert trend.series[0].values == [None] * 8 + [1, 0, 0, 2]


def test_qa_month_without_inquiries_says_so():
    inquiry(at(15, month=APRIL), answered_at=at(16, month=APRIL))
    section = qa(MAY)
    assert section.absent == "当月の問合せ・FAQの記録はありません。"
    assert not section.has_content


def test_qa_is_deterministic():
    inquiry(at(3), answered_at=at(3, 12))
    inquiry(at(4))
    assert qa(MAY) == qa(MAY)


# --- 技術支援・作業実績 -----------------------------------------------------------------


def test_support_work_counts_each_event_in_its_month(vendor_operator, city_admin):
    unit = OrgUnitFactory(name="こども家庭支援課", kind=OrgUnit.Kind.HQ)
    S, F = WorkRequest.Status, WorkRequest.Feasibility
    # Received in April, reviewed/approved/completed in May.
    work_request(
        at(20, month=APRIL),
        city_admin,
        requester_unit=unit,
        title="帳票の様式変更",
        reviewed_at=at(1),
        approved_at=at(2),
        completed_on=date(2026, 5, 20),
        feasibility=F.YES,
        status=S.COMPLETED,
    )
    # Received in May, refused in May: handled, not open.
    work_request(at(3), city_admin, reviewed_at=at(4), feasibility=F.NO, status=S.REJECTED)
    # Received in May, completed in June: open at May's end.
    work_request(
        at(5),
        city_admin,
        reviewed_at=at(6),
        approved_at=at(7),
        completed_on=date(2026, 6, 2),
        feasibility=F.YES,
        status=S.COMPLETED,
    )
    # June: nothing.
    work_request(at(1, month=JUNE), city_admin)
    slip(at(2), vendor_operator)  # opened, still open
    slip(at(20, month=APRIL), vendor_operator, closed_at=at(9), status="closed")
    slip(at(25, month=APRIL), vendor_operator, closed_at=at(3, month=JUNE), status="closed")

    section = support_work(MAY)

    values = {f.label: f.value for f in section.figures}
    assert values == {
        "作業依頼 受付": 2,
        "作業依頼 検討": 3,
        "作業依頼 承認": 2,
        "作業依頼 完了": 1,
        "作業依頼 未完了（月末時点）": 1,
        "作業時間": None,
        "連絡票 起票": 1,
        "連絡票 完了": 1,
        "連絡票 未完了（月末時点）": 2,
    }
    assert fig(section, "作業依頼 検討").note == "うち対応不可 1 件"
    assert "記録していません" in fig(section, "作業時間").absent
    done = table(section, "当月完了")
    assert [r[1:] for r in done.rows] == [
        ["帳票の様式変更", "こども家庭支援課", date(2026, 4, 20), date(2026, 5, 20)]
    ]


def test_support_work_without_any_work_request_has_words_not_zeros(vendor_operator):
    slip(at(2), vendor_operator)
    section = support_work(MAY)
    received = fig(section, "作業依頼 受付")
    assert received.value is None and received.absent == "当月の作業依頼の記録はありません。"
    assert fig(section, "連絡票 完了").value == 0  # slips were counted: a real zero
    assert table(section, "当月完了").rows == []


def test_support_work_month_without_records_says_so(city_admin):
    work_request(
        at(3, month=APRIL),
        city_admin,
        completed_on=date(2026, 4, 10),
        status=WorkRequest.Status.COMPLETED,
    )
    section = support_work(MAY)
    assert section.absent == "当月の作業依頼・連絡票の記録はありません。"
    assert not section.has_content


def test_support_work_is_deterministic(city_admin, vendor_operator):
    work_request(
        at(3), city_admin, completed_on=date(2026, 5, 9), status=WorkRequest.Status.COMPLETED
    )
    work_request(
        at(3), city_admin, completed_on=date(2026, 5, 9), status=WorkRequest.Status.COMPLETED
    )
    slip(at(3), vendor_operator)
    first = support_work(MAY)
    assert first == support_work(MAY)
    assert len(table(first, "当月完了").rows) == 2


# --- 調査結果・完了報告 -----------------------------------------------------------------


def test_investigations_completed_with_results_and_open_at_month_end(vendor_operator):
    cat = Category.objects.create(name="帳票")
    source = inquiry(at(1), category=cat)
    done = slip(
        at(1),
        vendor_operator,
        inquiry=source,
        judgement="defect",
        replied_on=date(2026, 5, 6),
        closed_at=at(12),
        status="closed",
    )
    for kind in ("provisional", "permanent"):
        Countermeasure.objects.create(
            slip=done,
            kind=kind,
            description="対応",
            owner=vendor_operator,
            due_on=date(2026, 5, 10),
            status="done",
            done_on=date(2026, 5, 10),
        )
    slip(
        at(20, month=APRIL),
        vendor_operator,
        judgement="operation",
        closed_at=at(2),
        status="closed",
    )
    # Open at May's end: closed in June (replied in May), and never closed.
    later = slip(
        at(25, month=APRIL),
        vendor_operator,
        replied_on=date(2026, 5, 30),
        closed_at=at(3, month=JUNE),
        status="closed",
        judgement="spec",
    )
    Countermeasure.objects.create(
        slip=later,
        kind="permanent",
        description="対応",
        owner=vendor_operator,
        due_on=date(2026, 6, 1),
        status="done",
        done_on=date(2026, 6, 1),
    )
    slip(at(30), vendor_operator)
    # Neither: closed in April; raised in June.
    slip(at(1, month=APRIL), vendor_operator, closed_at=at(30, month=APRIL), status="closed")
    slip(at(1, month=JUNE), vendor_operator)

    section = investigations(MAY)

    assert {f.label: f.value for f in section.figures} == {
        "完了した調査依頼": 2,
        "調査中（月末時点）": 2,
    }
    assert table(section, "完了した調査依頼の判定別").rows == [["操作ミス", 1], ["不具合", 1]]
    closed = table(section, "当月に完了した")
    assert [r[2:] for r in closed.rows] == [
        ["", "未分類", "操作ミス", None, date(2026, 5, 2), "0/0"],
        [source.number, "帳票", "不具合", date(2026, 5, 6), date(2026, 5, 12), "2/2"],
    ]
    still = table(section, "調査中")
    assert [r[1:] for r in still.rows] == [
        [date(2026, 4, 25), "", 36, date(2026, 5, 30), "回答済・対応中", "0/1"],
        [date(2026, 5, 30), "", 1, None, "調査中", "0/0"],
    ]
    assert "C-2026" not in every_text(section) and "山田" not in every_text(section)


def test_investigations_month_without_slips_says_so(vendor_operator):
    slip(at(1, month=APRIL), vendor_operator, closed_at=at(2, month=APRIL), status="closed")
    section = investigations(MAY)
    assert "ありません" in section.absent
    assert not section.has_content


def test_investigations_is_deterministic(vendor_operator):
    slip(at(3), vendor_operator)
    slip(at(3), vendor_operator, closed_at=at(4), judgement="data", status="closed")
    assert investigations(MAY) == investigations(MAY)
