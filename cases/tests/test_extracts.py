"""The reviewed extraction definitions over case records (cases/extracts.py): rows only
from cases the requester may open, filters, masking, the disclosure copy."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from cases.models import Reporter
from cases.tests.factories import ConsultationFactory, assign, code, note
from core import extracts
from core.timeutil import now_jst

LIST = "cases.consultation_list"
PROGRESS = "cases.case_progress"
MEASURES = "cases.measure_list"


def period(days_back=1, days_forward=1):
    today = now_jst().date()
    return {
        "received_from": (today - timedelta(days=days_back)).isoformat(),
        "received_to": (today + timedelta(days=days_forward)).isoformat(),
    }


def rows(user, code, params):
    definition = extracts.get(code)
    prepared = definition.prepare(requester=user, params=params, columns=None)
    return list(definition.run(requester=user, params=prepared.typed, progress=lambda d, t: None))


def test_the_period_list_holds_only_cases_the_requester_may_open(world):
    city = world.city
    assert [r.values["number"] for r in rows(city.sv1, LIST, period())] == [world.case1.number]
    assert [r.values["number"] for r in rows(city.sv2, LIST, period())] == [world.case2.number]
    both = {r.object_id for r in rows(city.director, LIST, period())}
    assert both == {world.case1.pk, world.case2.pk}


def test_the_period_list_filters_by_type_group_and_status(world):
    city = world.city
    other = ConsultationFactory(
        unit=city.sec1, receiver=city.worker1, consultation_type=code("soudan_shubetsu", "52")
    )
    abuse = [r.object_id for r in rows(city.sv1, LIST, {**period(), "consultation_type": "10"})]
    assert abuse == [world.case1.pk]  # 10 養護相談 takes in 11 児童虐待相談
    growth = [r.object_id for r in rows(city.sv1, LIST, {**period(), "consultation_type": "52"})]
    assert growth == [other.pk]
    assert rows(city.sv1, LIST, {**period(), "status": "closed"}) == []


def test_a_flagged_address_is_masked_and_the_reporter_never_appears(world):
    child = world.case1.child
    child.address_confidential = True
    child.save()
    Reporter.objects.create(consultation=world.case1, name="通告 太郎", contact="090-0000-0000")
    (row,) = rows(world.city.sv1, LIST, period())
    assert row.values["address"] == "＊＊＊（住所秘匿）＊＊＊"
    assert "通告 太郎" not in repr(row.values)


def test_the_disclosure_copy_withholds_notes_that_are_not_open(world):
    note(world.case1, world.city.worker1, text="学校からの情報（第三者）", disclosure="third_party")
    note(world.case1, world.city.worker1, text="家庭訪問。元気な様子。")
    params = {"numbers": world.case1.number, "for_disclosure": True}
    texts = [r.values["text"] for r in rows(world.city.sv1, PROGRESS, params)]
    assert "（不開示：第三者情報）" in texts and "家庭訪問。元気な様子。" in texts
    assert "学校からの情報（第三者）" not in texts


def test_a_case_assigned_to_the_requester_in_another_unit_is_in_their_list(world):
    # A supervisor also sees a case assigned to them personally outside their section.
    assign(world.case2, world.city.sv1)
    numbers = {r.values["number"] for r in rows(world.city.sv1, LIST, period())}
    assert numbers == {world.case1.number, world.case2.number}


def test_vendor_staff_and_city_admins_get_no_rows(world):
    for user in (world.vendor, world.city_admin):
        definition = extracts.get(LIST)
        typed = definition.typed_params(definition.clean_params(period()))
        assert list(definition.run(requester=user, params=typed, progress=lambda d, t: None)) == []


def test_naming_a_case_outside_ones_scope_refuses_the_whole_request(world):
    definition = extracts.get(PROGRESS)
    params = {"numbers": [world.case1.number, world.case2.number]}
    with pytest.raises(ValidationError) as refused:
        definition.prepare(requester=world.city.worker1, params=params, columns=None)
    message = " ".join(refused.value.message_dict["numbers"])
    assert world.case2.number in message and world.case1.number not in message
    # The run checks again, so a request approved earlier cannot leak either.
    with pytest.raises(ValidationError):
        list(
            definition.run(
                requester=world.city.worker1,
                params=definition.typed_params(params),
                progress=lambda d, t: None,
            )
        )
    assert definition.unreadable(user=world.city.worker1, object_ids=[world.case2.pk]) == [
        world.case2.number
    ]


def test_the_progress_extract_lists_each_case_once_even_without_notes(world):
    note(world.case1, world.city.worker1, text="面接。")
    out = rows(
        world.city.director, PROGRESS, {"numbers": f"{world.case2.number} {world.case1.number}"}
    )
    assert [r.values["number"] for r in out] == [world.case2.number, world.case1.number]
    assert out[0].values["text"] == "（期間内の経過記録なし）"
    assert out[1].values["text"] == "面接。" and out[1].values["author"] == world.city.worker1.name


def test_the_measure_list_reads_only_visible_cases(world):
    from cases.models import Measure

    today = now_jst().date()
    for case in (world.case1, world.case2):
        Measure.objects.create(
            consultation=case, code=code("enjo", "22"), decided_on=today, start_on=today
        )
    params = {"start_from": today.isoformat(), "start_to": today.isoformat(), "measure": "20"}
    out = rows(world.city.sv1, MEASURES, params)
    assert [r.object_id for r in out] == [world.case1.pk]
    assert out[0].values["measure"].endswith("児童養護施設")
