"""Extraction definitions seen from ops: the registry (core.extracts), and requests
refused before anything is saved (a case outside the requester's scope, a column their
role may not see, bad parameters). The case definitions' rows are tested in
cases/tests/test_extracts.py (ops may not import cases)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from accounts import roles
from core import extracts
from core.extracts import Column, ExtractDefinition, ExtractRow, Parameter, ParamKind
from core.timeutil import now_jst
from ops.models import ExtractionRequest
from ops.services.extraction import extraction_request_create

LIST = "cases.consultation_list"
PROGRESS = "cases.case_progress"


def today():
    return now_jst().date()


def period(days_back=1, days_forward=1):
    return {
        "received_from": (today() - timedelta(days=days_back)).isoformat(),
        "received_to": (today() + timedelta(days=days_forward)).isoformat(),
    }


def request(user, code=LIST, params=None, columns=None, **kwargs):
    return extraction_request_create(
        requester=user,
        definition_code=code,
        parameters=params if params is not None else period(),
        columns=columns,
        output_format=kwargs.pop("output_format", "xlsx"),
        purpose=kwargs.pop("purpose", "令和8年度 相談受付の件数確認のため"),
    )


def test_the_reviewed_case_definitions_are_registered_with_japanese_titles():
    codes = {d.code: d for d in extracts.all_definitions()}
    assert codes[LIST].title == "相談受付一覧（期間・種別）"
    assert codes[PROGRESS].title == "指定した相談番号の経過"
    assert "cases.measure_list" in codes
    for definition in codes.values():
        assert all(c.label and c.roles for c in definition.columns)


def test_a_definition_with_a_reserved_or_duplicate_parameter_is_not_registered():
    base = dict(
        title="x", description="", columns=(Column("a", "A", frozenset({"x"})),), run=lambda **k: []
    )
    with pytest.raises(ValueError):
        extracts.register(
            ExtractDefinition(
                code="t.bad", parameters=(Parameter("purpose", "目的", ParamKind.TEXT),), **base
            )
        )
    with pytest.raises(ValueError):
        extracts.register(ExtractDefinition(code="NoDot", parameters=(), **base))
    with pytest.raises(extracts.UnknownDefinition):
        extracts.get("t.bad")


# --- requests refused before anything is saved ------------------------------------------


def test_an_extraction_that_includes_a_case_the_requester_cannot_see_is_refused(world):
    city = world.city
    numbers = f"{world.case1.number}\n{world.case2.number}"
    with pytest.raises(ValidationError) as refused:
        request(city.sv1, PROGRESS, {"numbers": numbers})
    message = " ".join(refused.value.message_dict["numbers"])
    assert world.case2.number in message and "閲覧できない" in message
    assert world.case1.number not in message
    assert not ExtractionRequest.objects.exists()
    # The same request by the supervisor of both sections is accepted.
    assert request(city.director, PROGRESS, {"numbers": numbers}).pk


def test_a_case_number_that_does_not_exist_is_named(world):
    with pytest.raises(ValidationError) as refused:
        request(world.city.sv1, PROGRESS, {"numbers": f"{world.case1.number}、2099-99999"})
    assert "2099-99999" in " ".join(refused.value.message_dict["numbers"])
    assert not ExtractionRequest.objects.exists()


def test_full_width_case_numbers_are_read_as_written(world):
    wide = world.case1.number.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    extraction = request(world.city.sv1, PROGRESS, {"numbers": wide})
    assert extraction.parameters["numbers"] == [world.case1.number]


def test_a_column_the_requesters_role_may_not_see_is_refused_naming_the_column(world, make_user):
    director_only = ExtractDefinition(
        code="testing.director_only",
        title="所長向け",
        description="",
        parameters=(),
        columns=(
            Column("number", "受付番号", frozenset(roles.CASE_ROLES)),
            Column("assessment", "援助方針の評価", frozenset({roles.CENTER_DIRECTOR})),
        ),
        run=lambda **kwargs: iter([ExtractRow(1, {"number": "x"})]),
    )
    extracts.register(director_only)
    try:
        with pytest.raises(ValidationError) as refused:
            request(world.city.sv1, director_only.code, {}, columns=["number", "assessment"])
        message = " ".join(refused.value.message_dict["columns"])
        assert "「援助方針の評価」" in message and "役割" in message
        assert "受付番号" not in message
        assert not ExtractionRequest.objects.exists()
        assert request(world.city.sv1, director_only.code, {}, columns=["number"]).columns == [
            "number"
        ]
        assert request(world.city.director, director_only.code, {}).columns == [
            "number",
            "assessment",
        ]
    finally:
        extracts.unregister(director_only.code)


def test_a_city_admin_without_a_case_role_may_not_extract_case_columns(world):
    with pytest.raises(ValidationError) as refused:
        request(world.city_admin, LIST, period(), columns=["number", "child_name"])
    message = " ".join(refused.value.message_dict["columns"])
    assert "「受付番号」「児童氏名」" in message
    assert not ExtractionRequest.objects.exists()


def test_bad_parameters_are_named_in_japanese_and_nothing_is_saved(world):
    with pytest.raises(ValidationError) as refused:
        request(
            world.city.sv1,
            LIST,
            {"received_from": "2026-05-01", "received_to": "2026-04-01", "status": "bogus"},
            purpose="",
        )
    errors = refused.value.message_dict
    assert "「状態」に選べない値" in " ".join(errors["status"])
    assert "利用目的" in " ".join(errors["purpose"])
    with pytest.raises(ValidationError) as refused:
        request(world.city.sv1, LIST, {"received_from": "2026-05-01", "received_to": "2026-04-01"})
    assert "「受付日（まで）」が「受付日（から）」より前" in " ".join(
        refused.value.message_dict["received_to"]
    )
    with pytest.raises(ValidationError) as refused:
        request(world.city.sv1, LIST, {"received_from": "昨日", "received_to": ""})
    assert "日付" in " ".join(refused.value.message_dict["received_from"])
    assert "入力してください" in " ".join(refused.value.message_dict["received_to"])
    assert not ExtractionRequest.objects.exists()


def test_vendor_staff_and_caseworkers_may_not_request(world):
    from django.core.exceptions import PermissionDenied

    for user in (world.vendor, world.city.worker1):
        with pytest.raises(PermissionDenied):
            request(user, LIST, period())
    assert not ExtractionRequest.objects.exists()


def test_more_case_numbers_than_allowed_are_refused(world):
    numbers = "\n".join(f"2026-{n:05d}" for n in range(201))
    with pytest.raises(ValidationError) as refused:
        request(world.city.director, PROGRESS, {"numbers": numbers})
    assert "200件まで" in " ".join(refused.value.message_dict["numbers"])
