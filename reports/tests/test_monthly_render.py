"""The monthly report's renderers: a missing value is words in both files, never 0."""

import io
import re
import subprocess
from datetime import date, datetime

from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from core.timeutil import JST
from reports.sections.base import Chart, Figure, Section, Series, Table
from reports.services.charts import chart_svg
from reports.services.monthly_render import Meta, report_pdf, report_xlsx

META = Meta(
    city="仙台市",
    month=date(2026, 10, 1),
    revision=3,
    issued_at=datetime(2026, 11, 5, 9, 30, tzinfo=JST),
    issued_by="試験 太郎",
    reason="集計の訂正",
)


def _section() -> Section:
    return Section(
        key="demo",
        title="試験項目（内訳）",
        figures=[
            Figure("稼働率", 99.5, unit="%"),
            Figure("媒体在庫", None, absent="媒体在庫は本システムでは記録していません"),
        ],
        tables=[
            Table(
                caption="停止の一覧",
                columns=["開始", "分", "原因"],
                rows=[
                    [datetime(2026, 10, 3, 1, 0, tzinfo=JST), 42, gettext_lazy("計画停止")],
                    [date(2026, 10, 9), None, "不明"],
                ],
            ),
            Table(caption="空の表", columns=["a"], rows=[], empty="当月の該当はありません"),
        ],
        charts=[
            Chart(
                "問合せ件数の推移",
                ["26/08", "26/09", "26/10"],
                [Series("件数", [12, None, 30])],
                unit="件",
                kind="bar",
            )
        ],
        notes=["月末時点の状態です"],
    )


def test_the_workbook_writes_words_for_missing_values_and_leaves_chart_gaps_empty():
    wb = load_workbook(io.BytesIO(report_xlsx([_section()], META)))
    ws = wb["01 試験項目"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    flat = [v for row in values for v in row if v is not None]
    assert "媒体在庫は本システムでは記録していません" in flat
    assert "計画停止" in flat  # a lazy translation is written as its text
    assert datetime(2026, 10, 3, 1, 0) in flat  # JST wall time, no tzinfo in Excel
    assert "当月の該当はありません" in flat
    assert "※ 月末時点の状態です" in flat
    header = next(i for i, row in enumerate(values) if row[:4] == [None, "26/08", "26/09", "26/10"])
    assert values[header + 1][:4] == ["件数", 12.0, None, 30.0]  # the gap stays empty
    assert len(ws._charts) == 1
    cover = wb["表紙・目次"]
    assert cover["B5"].value == "第3版" and cover["B8"].value == "集計の訂正"


def test_the_pdf_prints_words_for_missing_values_and_the_reason_for_a_reissue():
    pdf, pages = report_pdf([_section()], META)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    squashed = re.sub(r"\s+", "", text)
    assert pages == 3  # cover, contents, the section
    assert "媒体在庫は本システムでは記録していません" in squashed
    assert "99.5%" in squashed
    assert "2026-10-0301:00" in squashed
    assert "当月の該当はありません" in squashed
    assert "集計の訂正" in squashed
    assert "第3版" in squashed


def test_a_chart_draws_no_bar_or_point_for_a_missing_month():
    svg = chart_svg(Chart("推移", ["a", "b", "c"], [Series("s", [5, None, 7])], kind="line"))
    assert svg.count("<circle") == 2
    bars = chart_svg(Chart("推移", ["a", "b", "c"], [Series("s", [5, None, 0])], kind="bar"))
    assert bars.count('<rect x="') == 2 + 1  # two bars (0 is a real zero) and the legend
    empty = chart_svg(Chart("推移", ["a"], [Series("s", [None])]))
    assert "データなし" in empty
