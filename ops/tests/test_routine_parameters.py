"""Parameter changes (#10): 申請 → 承認/却下 (a city admin, not the requester) → 適用済 (vendor)."""

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from accounts import roles
from core.concurrency import ConflictError
from core.timeutil import JST
from ops.models import ParameterChange
from ops.selectors.routine import parameters_current
from ops.services import routine as services

pytestmark = pytest.mark.django_db


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JST)


@pytest.fixture
def vendor(make_user):
    return make_user(roles.VENDOR_OPERATOR)


@pytest.fixture
def admin(make_user):
    return make_user(roles.CITY_ADMIN)


def request_change(actor, at=None, target="コード表「相談種別」"):
    return services.parameter_change_request(
        actor=actor,
        target_kind="code_list",
        target=target,
        description="「その他の相談」を追加",
        requested_at=at or jst(2026, 11, 2, 9),
        now=(at or jst(2026, 11, 2, 9)) + timedelta(minutes=1),
    )


def approve(change, admin, at):
    return services.parameter_change_approve(
        change=change, actor=admin, expected_version=change.version, now=at
    )


def apply(change, vendor, at, now=None):
    return services.parameter_change_apply(
        change=change,
        actor=vendor,
        applied_at=at,
        expected_version=change.version,
        note="本番に反映",
        now=now or at + timedelta(minutes=1),
    )


def test_the_full_flow_request_approve_apply(vendor, admin):
    change = request_change(vendor)
    assert (change.number, change.status, change.requested_side) == (
        "P8-0001",
        "requested",
        "vendor",
    )

    change = approve(change, admin, jst(2026, 11, 2, 10))
    assert (change.status, change.approved_by) == ("approved", admin)
    change = apply(change, vendor, jst(2026, 11, 2, 18))

    assert (change.status, change.applied_by, change.followed_flow) == ("applied", vendor, True)
    assert [h.status for h in change.history.order_by("history_date")] == [
        "requested",
        "approved",
        "applied",
    ]


def test_applying_before_approval_is_refused_in_japanese_and_nothing_changes(vendor):
    change = request_change(vendor)

    with pytest.raises(ValidationError, match="承認前のパラメータ変更は適用できません"):
        apply(change, vendor, jst(2026, 11, 2, 18))

    change.refresh_from_db()
    assert (change.status, change.applied_at, change.version) == ("requested", None, 1)


@pytest.mark.parametrize("who", ["requester", "vendor", "vendor_admin", "caseworker"])
def test_only_a_city_admin_other_than_the_requester_approves(make_user, admin, vendor, who):
    change = request_change(admin)  # the city asked for it
    approver = {
        "requester": admin,
        "vendor": vendor,
        "vendor_admin": make_user(roles.CITY_ADMIN, roles.VENDOR_MANAGER),
        "caseworker": make_user(roles.CASEWORKER),
    }[who]

    with pytest.raises(ValidationError) as exc:
        approve(change, approver, jst(2026, 11, 2, 10))

    assert "本人" in exc.value.messages[0] or "市のシステム管理者" in exc.value.messages[0]
    change.refresh_from_db()
    assert (change.status, change.approved_by, change.requested_side) == ("requested", None, "city")


def test_rejection_needs_a_reason_and_a_rejected_change_cannot_be_applied(vendor, admin):
    change = request_change(vendor)
    with pytest.raises(ValidationError) as exc:
        services.parameter_change_reject(
            change=change, actor=admin, reason="", expected_version=change.version
        )
    assert "却下の理由" in exc.value.message_dict["reason"][0]

    change = services.parameter_change_reject(
        change=change, actor=admin, reason="運用で対応できるため", expected_version=change.version
    )
    assert change.status == "rejected"
    with pytest.raises(ValidationError, match="却下"):
        apply(change, vendor, jst(2026, 11, 2, 18))
    with pytest.raises(ValidationError, match="承認できません"):
        approve(change, admin, jst(2026, 11, 3))


@pytest.mark.parametrize(
    ("applied_at", "now", "message"),
    [
        (jst(2026, 11, 2, 9, 30), jst(2026, 11, 2, 12), "承認日時"),
        (jst(2026, 11, 3, 9), jst(2026, 11, 2, 12), "未来"),
    ],
)
def test_an_applied_time_before_approval_or_in_the_future_is_refused(
    vendor, admin, applied_at, now, message
):
    change = approve(request_change(vendor), admin, jst(2026, 11, 2, 10))

    with pytest.raises(ValidationError) as exc:
        apply(change, vendor, applied_at, now=now)

    assert message in exc.value.message_dict["applied_at"][0]
    change.refresh_from_db()
    assert (change.status, change.applied_at) == ("approved", None)


def test_a_city_admin_cannot_record_the_application(admin, make_user):
    change = approve(request_change(make_user(roles.VENDOR_MANAGER)), admin, jst(2026, 11, 2, 10))
    with pytest.raises(ValidationError, match="事業者"):
        apply(change, admin, jst(2026, 11, 2, 18))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("target", " ", "対象"),
        ("description", "", "変更内容"),
        ("target_kind", "table", "種類"),
    ],
)
def test_a_bad_request_names_the_field_and_saves_nothing(vendor, field, value, message):
    data = {"target_kind": "setting", "target": "受付時間", "description": "17:15 → 17:30"}
    data[field] = value
    with pytest.raises(ValidationError) as exc:
        services.parameter_change_request(actor=vendor, **data)
    assert message in exc.value.message_dict[field][0]
    assert not ParameterChange.objects.exists()


def test_a_caseworker_cannot_request(make_user):
    with pytest.raises(ValidationError):
        request_change(make_user(roles.CASEWORKER))
    assert not ParameterChange.objects.exists()


def test_a_stale_approval_is_refused(vendor, admin, make_user):
    change = request_change(vendor)
    approve(change, admin, jst(2026, 11, 2, 10))
    with pytest.raises(ConflictError):
        services.parameter_change_reject(
            change=change, actor=make_user(roles.CITY_ADMIN), reason="x", expected_version=1
        )


# --- SLA #10 -----------------------------------------------------------------------------------


def test_parameters_current_counts_changes_applied_in_the_period_and_lists_exceptions(
    vendor, admin
):
    followed = apply(
        approve(request_change(vendor, jst(2026, 11, 2, 9)), admin, jst(2026, 11, 2, 10)),
        vendor,
        jst(2026, 11, 4, 18),
    )
    emergency = services.parameter_change_apply_emergency(
        change=request_change(vendor, jst(2026, 11, 5, 9), target="帳票出力の設定"),
        actor=vendor,
        applied_at=jst(2026, 11, 5, 9, 30),
        reason="障害復旧のため",
        expected_version=1,
        now=jst(2026, 11, 5, 10),
    )
    emergency = approve(emergency, admin, jst(2026, 11, 6, 9))  # 事後承認
    waiting = approve(
        request_change(vendor, jst(2026, 11, 20, 9), target="受付時間"),
        admin,
        jst(2026, 11, 20, 10),
    )
    apply(  # applied in December: not in November's count
        approve(
            request_change(vendor, jst(2026, 11, 25, 9), target="FAQ"), admin, jst(2026, 11, 25, 10)
        ),
        vendor,
        jst(2026, 12, 1, 9),
    )

    result = parameters_current(date(2026, 11, 1), date(2026, 11, 30))

    assert (result.counted, result.met, result.rate) == (2, 1, 50.0)
    assert result.applied == [followed, emergency]
    assert result.exceptions == [emergency]
    assert emergency.status == "applied" and emergency.emergency_reason == "障害復旧のため"
    assert [c.target for c in result.waiting] == ["受付時間", "FAQ"]
    assert waiting in result.waiting
    assert parameters_current(date(2026, 10, 1), date(2026, 10, 31)).rate is None
