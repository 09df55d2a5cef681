"""National statistics pages: who may see them, the period chooser's bad input, the
layout as data and the small-cell rule. The counts come from cases.selectors,
replaced here by fixed numbers (the hand-counted data set is in
cases/tests/test_selectors_stats.py)."""

import json
from datetime import date
from io import BytesIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from openpyxl import load_workbook

from accounts import roles
from cases import selectors as case_selectors
from core.navigation import items_for
from reports.selectors import national as national_selectors
from reports.services import national as services

YEAR = {"kind": "year", "fiscal_year": 2025}


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to("2026-06-01 10:00 +0900")


@pytest.fixture
def fixed_counts(monkeypatch):
    """Two 相談種別, two 経路 and two 虐待種別 with known counts; no database rows."""
    codes = {
        "soudan_shubetsu": [
            {"pk": 1, "code": "10", "name": "養護相談", "group_id": None, "order": 0},
            {"pk": 2, "code": "11", "name": "児童虐待相談", "group_id": 1, "order": 1},
            {"pk": 3, "code": "12", "name": "その他の養護相談", "group_id": 1, "order": 2},
        ],
        "keiro": [
            {"pk": 11, "code": "04", "name": "近隣・知人", "group_id": None, "order": 0},
            {"pk": 12, "code": "07", "name": "警察等", "group_id": None, "order": 1},
        ],
        "enjo": [
            {"pk": 21, "code": "10", "name": "在宅指導等", "group_id": None, "order": 0},
            {"pk": 22, "code": "11", "name": "助言指導", "group_id": 21, "order": 1},
            {"pk": 23, "code": "20", "name": "児童福祉施設入所措置", "group_id": None, "order": 2},
            {"pk": 24, "code": "22", "name": "児童養護施設", "group_id": 23, "order": 3},
        ],
    }
    monkeypatch.setattr(case_selectors, "stat_codes", lambda key, start, end: codes[key])
    monkeypatch.setattr(case_selectors, "stat_codes_by_id", lambda ids: [])
    received = {(2, 11): 7, (2, 12): 2, (3, 11): 4}
    monkeypatch.setattr(case_selectors, "stat_received_counts", lambda s, e: received)
    monkeypatch.setattr(case_selectors, "stat_dealt_counts", lambda s, e: {(2, 22): 5, (3, 24): 1})
    abuse = {("physical", "0-2", "実母", 11): 3, ("neglect", "elementary", "実父", 12): 1}
    monkeypatch.setattr(case_selectors, "stat_abuse_counts", lambda s, e: abuse)
    monkeypatch.setattr(
        case_selectors, "stat_protection_counts", lambda s, e: {("emergency_i", "center"): 2}
    )
    monkeypatch.setattr(case_selectors, "stat_measure_counts", lambda s, e: {24: 1, 22: 5})


def _period():
    return services.period_for(kind="year", fiscal_year=2025)


# --- who may see it ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role,status",
    [
        (roles.SUPERVISOR, 200),
        (roles.CENTER_DIRECTOR, 200),
        (roles.CITY_ADMIN, 200),
        (roles.CASEWORKER, 403),
        (roles.PROTECTION_STAFF, 403),
        (roles.WARD_STAFF, 403),
        (roles.VENDOR_OPERATOR, 403),
        (roles.VENDOR_MANAGER, 403),
        (roles.MEETING_ATTENDEE, 403),
    ],
)
def test_only_supervisors_directors_and_city_admins_see_tables_and_exports(
    client, make_user, fixed_counts, role, status
):
    client.force_login(make_user(role))
    assert client.get(reverse("reports:national_index"), YEAR).status_code == status
    assert client.get(reverse("reports:national_xlsx"), YEAR).status_code == status


@pytest.mark.django_db
def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("reports:national_index"))
    assert response.status_code == 302


@pytest.mark.django_db
def test_menu_entry_only_for_the_allowed_roles(supervisor, caseworker, vendor_operator):
    assert "reports_national" in [i["key"] for i in items_for(supervisor)]
    assert "reports_national" not in [i["key"] for i in items_for(caseworker)]
    assert "reports_national" not in [i["key"] for i in items_for(vendor_operator)]


# --- period chooser ------------------------------------------------------------


@pytest.mark.django_db
def test_period_chooser_alone_shows_no_tables(client, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("reports:national_index"))
    assert response.status_code == 200
    assert response.context["report"] is None


@pytest.mark.django_db
def test_a_future_period_is_refused_naming_the_field(client, supervisor):
    client.force_login(supervisor)
    response = client.get(
        reverse("reports:national_index"), {"kind": "month", "fiscal_year": 2026, "month": 7}
    )
    assert response.context["report"] is None
    assert "まだ始まっていない期間" in str(response.context["form"].errors["month"])
    response = client.get(reverse("reports:national_xlsx"), {"kind": "year", "fiscal_year": 2027})
    assert response.status_code == 400
    assert "fiscal_year" in response.context["form"].errors


@pytest.mark.django_db
def test_a_month_without_its_month_is_refused(client, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("reports:national_index"), {"kind": "month", "fiscal_year": 2025})
    assert "月を選んでください" in str(response.context["form"].errors["month"])


def test_periods_month_half_and_fiscal_year():
    assert services.period_for(kind="month", fiscal_year=2025, month=2).start == date(2026, 2, 1)
    assert services.period_for(kind="month", fiscal_year=2025, month=2).end == date(2026, 2, 28)
    half = services.period_for(kind="half", fiscal_year=2025, half=2)
    assert (half.start, half.end) == (date(2025, 10, 1), date(2026, 3, 31))
    year = services.period_for(kind="year", fiscal_year=2025)
    assert (year.start, year.end) == (date(2025, 4, 1), date(2026, 3, 31))


# --- tables -------------------------------------------------------------------


def test_row_and_column_totals_agree(fixed_counts):
    report = services.national_tables(period=_period())
    for table in report.tables:
        leaf = [r for r in table.rows if not r.subtotal]
        for row in table.rows:
            assert row.total == sum(row.cells)
        assert table.column_totals == [
            sum(col) for col in zip(*(r.cells for r in leaf), strict=True)
        ]
        assert table.total == sum(table.column_totals)
    received = report.tables[0]
    assert [r.label for r in received.rows] == ["養護相談", "児童虐待相談", "その他の養護相談"]
    assert received.rows[0].subtotal and received.rows[0].cells == [11, 2]
    assert received.total == 13
    dealt = report.tables[1]
    assert dealt.columns == ["在宅指導等", "児童福祉施設入所措置"]
    assert dealt.rows[1].cells == [5, 0]


def test_layout_is_data_and_can_be_replaced(fixed_counts, settings, tmp_path):
    custom = {
        "form": "報告表 第X表",
        "dimensions": {"protection_place": [{"key": "delegated", "label": "委託"}]},
        "tables": [
            {
                "key": "p",
                "title": "一時保護",
                "source": "protection",
                "rows": {"dimension": "protection_place"},
                "columns": {"dimension": "protection_place"},
            }
        ],
    }
    path = tmp_path / "layout.json"
    path.write_text(json.dumps(custom, ensure_ascii=False), encoding="utf-8")
    settings.NATIONAL_STATS_LAYOUT = str(path)
    national_selectors._load.cache_clear()
    report = services.national_tables(period=_period())
    assert report.form == "報告表 第X表"
    table = report.tables[0]
    # A key the layout does not list is still shown, never dropped from the totals.
    assert [r.label for r in table.rows] == ["委託", "様式外（center）"]
    assert table.total == 2


def test_small_cell_threshold_setting_must_be_positive(settings):
    settings.NATIONAL_STATS_SMALL_CELL = 0
    with pytest.raises(ImproperlyConfigured):
        services.small_cell_threshold()
    settings.NATIONAL_STATS_SMALL_CELL = 5
    assert services.small_cell_threshold() == 5
    assert services.published_value(4, threshold=5) == "＊"
    assert services.published_value(0, threshold=5) == 0
    assert services.published_value(5, threshold=5) == 5


@pytest.mark.django_db
def test_page_shows_the_counts_unsuppressed_to_allowed_roles(client, supervisor, fixed_counts):
    client.force_login(supervisor)
    response = client.get(reverse("reports:national_index"), YEAR)
    body = response.content.decode()
    assert 'id="table-received"' in body
    assert "＊" not in body.split('id="table-received"')[1].split("</section>")[0]
    assert 'class="num small-cell">2<' in body


@pytest.mark.django_db
def test_xlsx_publication_flag_suppresses_small_cells_and_sets_print_layout(
    client, city_admin, fixed_counts
):
    client.force_login(city_admin)
    url = reverse("reports:national_xlsx")
    response = client.get(url, {**YEAR, "publication": "on"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(BytesIO(response.content))
    assert len(wb.worksheets) == 7
    ws = wb.worksheets[0]
    rows = {r[0].value: [c.value for c in r] for r in ws.iter_rows(min_row=6)}
    assert rows["児童虐待相談"][1:] == [7, "＊", 9]
    assert rows["合計"][1:] == [11, "＊", 13]
    assert ws.page_setup.orientation == "landscape"
    assert ws.print_area
    internal = load_workbook(BytesIO(client.get(url, YEAR).content)).worksheets[0]
    rows = {r[0].value: [c.value for c in r] for r in internal.iter_rows(min_row=6)}
    assert rows["児童虐待相談"][1:] == [7, 2, 9]
