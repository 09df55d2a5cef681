"""National statistics (issue 11): the SQL aggregates in cases.selectors and the
tables built from them, against a hand-counted set of cases in FY2025.

The reports app may not be imported from cases, so the tables are checked through
the page (/reports/national/) and its .xlsx download.
"""

from datetime import date, datetime, timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cases import selectors
from cases.models import AbuseReport, Code, Measure, Protection
from cases.tests.factories import ConsultationFactory, PersonFactory, code, protection
from core.timeutil import JST

FY_START, FY_END = date(2025, 4, 1), date(2026, 3, 31)


def _case(city, *, at, type_code, route, birth=date(2018, 5, 3), abuse=None, perpetrator=""):
    received = datetime.fromisoformat(at).replace(tzinfo=JST)
    fy = received.year if received.month >= 4 else received.year - 1
    case = ConsultationFactory(
        unit=city.sec1,
        receiver=city.worker1,
        received_at=received,
        fiscal_year=fy,
        consultation_type=code("soudan_shubetsu", type_code),
        route=code("keiro", route),
        child=PersonFactory(birth_date=birth),
    )
    if abuse is not None:
        AbuseReport.objects.create(
            consultation=case,
            accepted_at=received,
            safety_due_at=received + timedelta(hours=48),
            abuse_types=abuse,
            urgency="A",
            perpetrator=perpetrator,
        )
    return case


def _measure(case, enjo_code, decided):
    return Measure.objects.create(
        consultation=case, code=code("enjo", enjo_code), decided_on=decided, start_on=decided
    )


class Hand:
    """Seven cases; the expected counts for FY2025 are written out in the tests."""

    def __init__(self, city):
        self.c1 = _case(
            city,
            at="2025-05-10 10:00",
            type_code="11",
            route="04",
            birth=date(2023, 1, 1),  # 2 on the 受付日: 0〜3歳未満
            abuse=["psychological", "physical"],  # main type: the first recorded
            perpetrator="実母",
        )
        _measure(self.c1, "11", date(2025, 6, 1))  # first decision: counted here only
        _measure(self.c1, "22", date(2025, 8, 1))  # 児童養護施設
        self.c2 = _case(
            city,
            at="2025-07-01 09:00",
            type_code="11",
            route="07",
            birth=date(2015, 6, 1),  # 小学生
            abuse=["neglect"],
            perpetrator="祖母",  # not on the national list: その他
        )
        _measure(self.c2, "12", date(2025, 7, 15))
        protection(self.c2, start_at=datetime(2025, 7, 1, 12, 0, tzinfo=JST))
        # 受付日 1 April in JST (31 March in UTC): received in FY2025, never dealt with.
        self.c3 = _case(city, at="2025-04-01 00:30", type_code="35", route="05")
        # Received in FY2024, dealt with in FY2025.
        self.c4 = _case(city, at="2025-03-31 23:30", type_code="52", route="17")
        _measure(self.c4, "11", date(2025, 4, 10))
        # Received in FY2026: outside.
        self.c5 = _case(city, at="2026-04-01 08:00", type_code="11", route="04", abuse=["physical"])
        _measure(self.c5, "11", date(2026, 4, 2))
        self.c6 = _case(
            city,
            at="2025-05-01 10:00",
            type_code="11",
            route="04",
            birth=date(2019, 4, 1),  # six on 1 April 2025: 小学生 in FY2025
            abuse=["physical"],
            perpetrator="実父",
        )
        _measure(self.c6, "11", date(2025, 5, 20))
        self.c7 = _case(
            city,
            at="2025-05-02 10:00",
            type_code="11",
            route="07",
            birth=date(2019, 4, 2),  # five on 1 April 2025: 学齢前
            abuse=["physical"],
            perpetrator="実父",
        )
        _measure(self.c7, "31", date(2025, 9, 1))  # 里親委託
        Protection.objects.create(
            consultation=self.c7,
            start_at=datetime(2025, 8, 20, 10, 0, tzinfo=JST),
            reason="observation",
            place="delegated",
            parental_consent=True,
        )


@pytest.fixture
def hand(city, time_machine):
    from django.apps import apps

    from cases.codes_seed import ensure_code_lists

    ensure_code_lists(apps)
    time_machine.move_to("2026-06-01 10:00 +0900")
    return Hand(city)


def _id(list_key, value):
    return code(list_key, value).pk


@pytest.mark.django_db
def test_received_counts_each_case_once_by_its_receipt_day_in_jst(hand):
    counts = selectors.stat_received_counts(FY_START, FY_END)
    assert counts == {
        (_id("soudan_shubetsu", "11"), _id("keiro", "04")): 2,
        (_id("soudan_shubetsu", "11"), _id("keiro", "07")): 2,
        (_id("soudan_shubetsu", "35"), _id("keiro", "05")): 1,
    }


@pytest.mark.django_db
def test_dealt_counts_each_case_once_under_its_first_decision_in_the_period(hand):
    counts = selectors.stat_dealt_counts(FY_START, FY_END)
    assert counts == {
        (_id("soudan_shubetsu", "11"), _id("enjo", "11")): 2,  # c1 (not also 22), c6
        (_id("soudan_shubetsu", "11"), _id("enjo", "12")): 1,  # c2
        (_id("soudan_shubetsu", "11"), _id("enjo", "31")): 1,  # c7
        (_id("soudan_shubetsu", "52"), _id("enjo", "11")): 1,  # c4, received the year before
    }
    assert sum(counts.values()) == 5


@pytest.mark.django_db
def test_abuse_counts_by_main_type_age_band_perpetrator_and_route(hand):
    counts = selectors.stat_abuse_counts(FY_START, FY_END)
    k04, k07 = _id("keiro", "04"), _id("keiro", "07")
    assert counts == {
        ("psychological", "0-2", "実母", k04): 1,
        ("neglect", "elementary", "その他", k07): 1,
        ("physical", "elementary", "実父", k04): 1,
        ("physical", "3-pre", "実父", k07): 1,
    }


@pytest.mark.django_db
def test_protection_and_placement_counts(hand):
    assert selectors.stat_protection_counts(FY_START, FY_END) == {
        ("emergency_i", "center"): 1,
        ("observation", "delegated"): 1,
    }
    measures = selectors.stat_measure_counts(FY_START, FY_END)
    assert measures[_id("enjo", "22")] == 1
    assert measures[_id("enjo", "31")] == 1


@pytest.mark.django_db
def test_a_month_counts_only_its_own_days(hand):
    counts = selectors.stat_received_counts(date(2025, 7, 1), date(2025, 7, 31))
    assert counts == {(_id("soudan_shubetsu", "11"), _id("keiro", "07")): 1}


def _table(response, key):
    return next(t for t in response.context["report"].tables if t.key == key)


def _year(client, user, fy=2025, **extra):
    client.force_login(user)
    return client.get(
        reverse("reports:national_index"), {"kind": "year", "fiscal_year": fy, **extra}
    )


def _check_totals(table):
    leaf = [r for r in table.rows if not r.subtotal]
    for row in table.rows:
        assert row.total == sum(row.cells)
    for i, total in enumerate(table.column_totals):
        assert total == sum(r.cells[i] for r in leaf)
    assert table.total == sum(table.column_totals) == sum(r.total for r in leaf)


@pytest.mark.django_db
def test_tables_totals_agree_and_match_the_hand_counts(client, hand, city):
    response = _year(client, city.sv1)
    assert response.status_code == 200
    tables = {t.key: t for t in response.context["report"].tables}
    for table in tables.values():
        _check_totals(table)
    assert tables["received"].total == 5
    rows = {r.label: r for r in tables["received"].rows}
    assert rows["養護相談"].subtotal and rows["養護相談"].total == 4
    assert rows["障害相談"].total == 1
    assert rows["児童虐待相談"].total == 4
    assert tables["dealt"].total == 5
    dealt = tables["dealt"]
    abuse_row = next(r for r in dealt.rows if r.label == "児童虐待相談")
    assert abuse_row.cells[dealt.columns.index("在宅指導等")] == 3
    assert abuse_row.cells[dealt.columns.index("里親委託等")] == 1
    assert tables["abuse_age"].total == 4
    age = {r.label: r.total for r in tables["abuse_age"].rows}
    assert age == {
        "0〜3歳未満": 1,
        "3歳〜学齢前": 1,
        "小学生": 2,
        "中学生": 0,
        "高校生・その他": 0,
    }
    perp = {r.label: r.total for r in tables["abuse_perpetrator"].rows}
    assert perp["実父"] == 2 and perp["実母"] == 1 and perp["その他"] == 1
    physical = tables["abuse_route"].columns.index("身体的虐待")
    assert tables["abuse_route"].column_totals[physical] == 2
    assert tables["protection"].total == 2
    placement = {r.label: r.total for r in tables["placement"].rows}
    assert placement["児童養護施設"] == 1 and placement["里親委託"] == 1
    assert tables["placement"].total == 2


@pytest.mark.django_db
def test_every_table_recomputes_to_the_same_numbers(client, hand, city):
    def snapshot():
        response = _year(client, city.director)
        return [
            (t.key, t.columns, [(r.label, r.cells, r.total) for r in t.rows], t.column_totals)
            for t in response.context["report"].tables
        ]

    assert snapshot() == snapshot()


@pytest.mark.django_db
def test_an_old_year_recomputes_with_its_own_code_version(client, hand, city):
    shubetsu = Code.objects.get(code_list__key="soudan_shubetsu", code="60")
    retired = Code.objects.create(
        code_list=shubetsu.code_list,
        code="69",
        name="旧その他相談",
        group=shubetsu,
        order=69,
        valid_from=date(2000, 4, 1),
        valid_to=date(2025, 3, 31),
    )
    Code.objects.create(
        code_list=shubetsu.code_list,
        code="37",
        name="ことばの遅れ相談",
        group=Code.objects.get(code_list__key="soudan_shubetsu", code="30"),
        order=37,
        valid_from=date(2026, 4, 1),
    )
    old = ConsultationFactory(
        unit=city.sec1,
        receiver=city.worker1,
        received_at=datetime(2024, 6, 1, 10, 0, tzinfo=JST),
        fiscal_year=2024,
        consultation_type=retired,
    )
    assert old.pk
    labels = lambda response: [r.label for r in _table(response, "received").rows]  # noqa: E731
    fy2024 = _year(client, city.sv1, fy=2024)
    assert "旧その他相談" in labels(fy2024) and "ことばの遅れ相談" not in labels(fy2024)
    row = next(r for r in _table(fy2024, "received").rows if r.label == "旧その他相談")
    assert row.total == 1
    fy2025 = _year(client, city.sv1, fy=2025)
    assert "旧その他相談" not in labels(fy2025) and "ことばの遅れ相談" not in labels(fy2025)
    fy2026 = _year(client, city.sv1, fy=2026)
    assert "ことばの遅れ相談" in labels(fy2026)


@pytest.mark.django_db
def test_publication_export_suppresses_small_cells_internal_keeps_them(client, hand, city):
    client.force_login(city.sv1)
    params = {"kind": "year", "fiscal_year": 2025}
    url = reverse("reports:national_xlsx")

    def sheet(publication):
        response = client.get(url, {**params, **({"publication": "on"} if publication else {})})
        assert response.status_code == 200
        wb = load_workbook(BytesIO(response.content))
        ws = wb.worksheets[0]  # received
        header = [c.value for c in ws[5]]
        rows = {r[0].value: [c.value for c in r] for r in ws.iter_rows(min_row=6)}
        return header, rows

    header, rows = sheet(publication=True)
    near = header.index("近隣・知人")
    assert rows["児童虐待相談"][near] == "＊"  # 2 < 3
    assert rows["障害相談"][-1] == "＊"  # 1 < 3
    assert rows["養護相談"][-1] == 4
    assert rows["合計"][-1] == 5
    assert rows["児童虐待相談"][header.index("医療機関")] == 0  # zero is not suppressed
    header, rows = sheet(publication=False)
    assert rows["児童虐待相談"][near] == 2
    assert rows["障害相談"][-1] == 1


@pytest.mark.django_db
def test_tables_page_query_count_does_not_grow_with_the_cases(
    client, hand, city, django_assert_max_num_queries
):
    client.force_login(city.sv1)
    params = {"kind": "year", "fiscal_year": 2025}
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("reports:national_index"), params)
    for i in range(30):
        _case(city, at=f"2025-06-{1 + i % 28:02d} 10:00", type_code="11", route="04")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("reports:national_index"), params)
    assert _table(response, "received").total == 35
