"""System statistics workbook: the city's template, the job, the refusal of a bad template."""

import io
from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook
from openpyxl.workbook.defined_name import DefinedName

from core import progress, request_log
from core.timeutil import JST
from reports.models import StatisticsReport, StatisticsTemplate
from reports.services import statistics as services

pytestmark = pytest.mark.django_db
MAY = date(2026, 5, 1)


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to("2026-06-15 10:00 +0900")


def _may_rows():
    rows = [
        request_log.make_row(
            user_id=1,
            view_name="helpdesk:slip_list",
            method="GET",
            status=500 if i == 1 else 200,
            duration_us=i * 1000,
            at=datetime(2026, 5, 7, 14, 0, tzinfo=JST).timestamp(),
        )
        for i in range(1, 101)
    ]
    request_log._insert_rows(rows)


def _cell(wb, name):
    title, ref = next(iter(wb.defined_names[name].destinations))
    return wb[title][ref.replace("$", "").split(":")[0]]


def _below(wb, name, rows=0, cols=0):
    cell = _cell(wb, name)
    return cell.parent.cell(row=cell.row + rows, column=cell.column + cols).value


def _workbook(names: dict[str, str]) -> bytes:
    """A city format: the given names at the given cells of one sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = "市様式"
    ws["A1"] = "仙台市 システム統計情報"
    for name, ref in names.items():
        wb.defined_names[name] = DefinedName(name, attr_text=f"'市様式'!{ref}")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _all_names(**overrides) -> dict[str, str]:
    names = {name: f"$Z${i + 1}" for i, name in enumerate(services.REQUIRED_NAMES)}
    names.update(overrides)
    return names


def test_the_default_template_is_filled_and_set_up_for_a4(vendor_operator):
    _may_rows()
    report, created = services.report_request(month=MAY, user=vendor_operator)
    assert created and report.status == StatisticsReport.Status.QUEUED
    done = services.report_build(report_id=report.pk)
    assert done.status == StatisticsReport.Status.DONE
    wb = load_workbook(io.BytesIO(bytes(done.content)))
    assert _cell(wb, "stats_month").value == "2026年5月"
    assert _cell(wb, "summary_requests").value == 100
    assert _cell(wb, "summary_errors").value == 1
    assert _cell(wb, "summary_busiest_hours").value == "14時台"
    assert _below(wb, "functions_table") == "helpdesk:slip_list"  # no name in the table
    assert _below(wb, "functions_table", cols=1) == "helpdesk:slip_list"
    assert _below(wb, "functions_table", cols=2) == 100
    assert _below(wb, "functions_table", cols=5) == pytest.approx(95.0, abs=0.1)
    assert _below(wb, "functions_table", cols=7) == 1
    assert _below(wb, "hours_table", rows=14) == "14時"
    assert _below(wb, "hours_table", rows=14, cols=1) == 100
    assert _below(wb, "logins_table") is not None
    assert _below(wb, "trend_table", rows=12) == "2026-05"
    assert _below(wb, "anomalies_table") == "（検知なし）"
    assert _below(wb, "resources_table", cols=1) == f"0 / {31 * 24 * 12}"
    for ws in wb.worksheets:
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
        assert ws.page_setup.orientation == "landscape"
    assert progress.read(done.progress_key) == {"done": 4, "total": 4}
    import hashlib

    assert done.sha256 == hashlib.sha256(bytes(done.content)).hexdigest()


def test_the_city_template_is_used_where_its_names_point(city_admin, vendor_operator):
    _may_rows()
    content = _workbook(_all_names(stats_month="$C$3", functions_table="$B$10"))
    template = services.template_upload(name="sendai.xlsx", content=content, user=city_admin)
    report, _ = services.report_request(month=MAY, user=vendor_operator)
    assert report.template == template
    wb = load_workbook(io.BytesIO(bytes(services.report_build(report_id=report.pk).content)))
    ws = wb["市様式"]
    assert ws["A1"].value == "仙台市 システム統計情報"
    assert ws["C3"].value == "2026年5月"
    assert ws["C10"].value == "helpdesk:slip_list"
    assert ws["D10"].value == 100


def test_a_template_missing_names_is_refused_naming_them(city_admin):
    names = _all_names()
    del names["functions_table"]
    del names["stats_month"]
    before = services.template_upload(
        name="ok.xlsx", content=_workbook(_all_names()), user=city_admin
    )
    with pytest.raises(ValidationError) as exc:
        services.template_upload(name="bad.xlsx", content=_workbook(names), user=city_admin)
    message = " ".join(exc.value.message_dict["file"])
    assert "stats_month" in message and "functions_table" in message
    assert "logins_table" not in message
    assert StatisticsTemplate.objects.count() == 1
    assert StatisticsTemplate.objects.get(active=True) == before


def test_a_file_that_is_not_a_workbook_is_refused(city_admin):
    with pytest.raises(ValidationError) as exc:
        services.template_upload(name="x.xlsx", content=b"not a zip", user=city_admin)
    assert "xlsx" in " ".join(exc.value.message_dict["file"])
    assert not StatisticsTemplate.objects.exists()


def test_a_broken_stored_template_fails_the_job_and_is_not_replaced_by_the_default(
    city_admin, vendor_operator
):
    template = services.template_upload(
        name="ok.xlsx", content=_workbook(_all_names()), user=city_admin
    )
    StatisticsTemplate.objects.filter(pk=template.pk).update(
        content=_workbook({"stats_month": "$A$1"})
    )
    report, _ = services.report_request(month=MAY, user=vendor_operator)
    done = services.report_build(report_id=report.pk)
    assert done.status == StatisticsReport.Status.FAILED
    assert "functions_table" in done.error
    assert not done.content


def test_a_second_request_for_the_same_month_joins_the_running_one(vendor_operator, city_admin):
    first, created = services.report_request(month=MAY, user=vendor_operator)
    second, created_again = services.report_request(month=MAY, user=city_admin)
    assert created and not created_again and first == second
    services.report_build(report_id=first.pk)
    third, created = services.report_request(month=MAY, user=city_admin)
    assert created and third != first


def test_building_twice_does_nothing_the_second_time(vendor_operator):
    report, _ = services.report_request(month=MAY, user=vendor_operator)
    done = services.report_build(report_id=report.pk)
    again = services.report_build(report_id=report.pk)
    assert again.finished_at == done.finished_at and again.sha256 == done.sha256


def test_a_future_month_is_refused(vendor_operator):
    with pytest.raises(ValidationError) as exc:
        services.report_request(month=date(2026, 7, 1), user=vendor_operator)
    assert "未来" in " ".join(exc.value.message_dict["month"])
    assert not StatisticsReport.objects.exists()


def test_the_request_enqueues_the_job_after_commit(
    vendor_operator, django_capture_on_commit_callbacks, monkeypatch
):
    from reports.tasks import statistics as tasks

    sent = []
    monkeypatch.setattr(tasks.statistics_report_build, "delay", sent.append)
    with django_capture_on_commit_callbacks(execute=True):
        report, _ = services.report_request(month=MAY, user=vendor_operator)
    assert sent == [report.pk]
