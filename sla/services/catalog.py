"""Writes of the SLA catalogue (項目定義), manual evidence and improvement plans (改善策).

Policy versions
    One ``Policy`` row per version of a city's SLA (``profile``) for its contract period.
    Status 案 (draft) → 協議中 (negotiating) → 承認 (approved). Vendor managers prepare a
    draft and submit it; city admins send it back with a comment or approve it. Only a draft
    can be changed; an approved version is read-only and a change makes a new version
    (``policy_new_version``), which copies its items into a new draft.

Effective dates
    A version applies from ``effective_from`` to ``effective_to`` (empty: to the end of the
    contract). Approved versions of one profile never overlap. Approving a new version that
    starts inside the current one *supersedes* it: the current one is closed the day before
    (its ``effective_to`` is set, recorded in its history) — that is the only change ever made
    to an approved version, and it is made by the approval, not by a user. A version that
    would overlap an approved one it cannot supersede (one starting on or after its own start,
    or one that goes on after its end) is refused with the version named.

Months are judged by the version in force on their first day (sla.selectors.catalog).

Evidence
    Manual (and computed + evidence) items are confirmed per month by a vendor manager: met
    or not, a value, a note or a file (pdf, xlsx, docx, png, jpg: the content is checked, not
    only the name; at most ``SLA_EVIDENCE_MAX_BYTES``, 10 MB by default). The latest evidence
    of an item and month counts; older ones stay in the history.

Improvement plans
    Every missed item opens one plan per item and month (``improvement_plan_open``,
    idempotent). Kobe's rule, Sendai's default: the improvement policy is reported within one
    month of the opening and the improvement completed within three (dates in Asia/Tokyo).
    Reminders go to the owner and the vendor managers ``SLA_PLAN_REMIND_DAYS_BEFORE`` days
    (5 by default) before each due date and on it, each exactly once (``PlanReminder``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from accounts import roles
from accounts.access import user_has_role
from core.concurrency import ConflictError, update_with_version
from core.profiles import PROFILES
from core.timeutil import month_label, now_jst, to_jst
from core.uploads import check_upload
from sla import computations
from sla.models import (
    CatalogComment,
    Evidence,
    ImprovementPlan,
    Item,
    PlanReminder,
    Policy,
)
from sla.selectors import catalog as selectors

S = Policy.Status
U = Item.Unit
M = Item.Measurement
P = ImprovementPlan.Status

DEFAULT_EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_REMIND_DAYS_BEFORE = 5
POLICY_DUE_MONTHS = 1
COMPLETION_DUE_MONTHS = 3
FUTURE_LEEWAY = timedelta(minutes=5)

ITEM_FIELDS = (
    "number",
    "order",
    "name",
    "target_value",
    "target_text",
    "unit",
    "comparison",
    "measurement",
    "period",
    "rule",
    "rule_params",
    "exclusions",
    "method",
)
ITEM_DEFAULTS = {
    "number": "",
    "order": 0,
    "name": "",
    "target_value": None,
    "target_text": "",
    "unit": "",
    "comparison": "",
    "measurement": M.COMPUTED,
    "period": Item.Period.MONTHLY,
    "rule": "",
    "rule_params": {},
    "exclusions": "",
    "method": "",
}
DURATION_UNITS = (U.SECONDS, U.MINUTES, U.HOURS, U.DAYS)
# The rule that judges a manual item from its confirmed evidence (sla.computations.backoffice).
MANUAL_RULE = "manual"

# Evidence files: extension → (label, sniffed kind).
EVIDENCE_TYPES = {
    "pdf": ("PDF", "pdf"),
    "xlsx": ("Excel", "xlsx"),
    "docx": ("Word", "docx"),
    "png": ("PNG", "png"),
    "jpg": ("JPEG", "jpg"),
    "jpeg": ("JPEG", "jpg"),
}


def evidence_max_bytes() -> int:
    return int(getattr(settings, "SLA_EVIDENCE_MAX_BYTES", DEFAULT_EVIDENCE_MAX_BYTES))


def remind_days_before() -> int:
    return int(getattr(settings, "SLA_PLAN_REMIND_DAYS_BEFORE", DEFAULT_REMIND_DAYS_BEFORE))


def _d(value: date) -> str:
    return f"{value:%Y/%m/%d}"


# --- who may ----------------------------------------------------------------------------------


def _require(actor, *codes: str) -> None:
    if not user_has_role(actor, *codes):
        raise PermissionDenied


def _require_vendor_manager(actor) -> None:
    _require(actor, roles.VENDOR_MANAGER)


def _require_city_admin(actor) -> None:
    _require(actor, roles.CITY_ADMIN)


# --- policy: locking and state -----------------------------------------------------------------


def _lock_policy(policy: Policy, expected_version: int | None) -> Policy:
    """Lock the row; refuse a save based on an old ``version_lock``."""
    locked = Policy.objects.select_for_update().get(pk=policy.pk)
    if expected_version is not None and locked.version_lock != expected_version:
        raise ConflictError(current=locked, attempted={})
    return locked


def _bump(policy: Policy, reason: str = "") -> Policy:
    policy.version_lock += 1
    if reason:
        policy._change_reason = reason[:100]
    policy.save()
    return policy


def _require_draft(policy: Policy) -> None:
    if policy.status == S.APPROVED:
        raise ValidationError(
            _(
                "承認済みの版（第%(version)s版）は変更できません。"
                "変更するときは「新しい版を作成」から新しい版を作ってください。"
            )
            % {"version": policy.version}
        )
    if policy.status == S.NEGOTIATING:
        raise ValidationError(
            _(
                "協議中の版（第%(version)s版）は変更できません。"
                "市から差し戻されてから修正してください。"
            )
            % {"version": policy.version}
        )


def _next_version(profile: str) -> int:
    current = Policy.objects.filter(profile=profile).aggregate(m=Max("version"))["m"]
    return (current or 0) + 1


def _refuse_second_draft(profile: str, exclude_pk: int | None = None) -> None:
    pending = (
        Policy.objects.filter(profile=profile)
        .exclude(status=S.APPROVED)
        .exclude(pk=exclude_pk)
        .order_by("version")
        .first()
    )
    if pending is not None:
        raise ValidationError(
            _("未承認の版（第%(version)s版・%(status)s）があります。その版を編集してください。")
            % {"version": pending.version, "status": pending.get_status_display()}
        )


def _dates_errors(
    *,
    contract_start: date,
    contract_end: date,
    effective_from: date | None,
    effective_to: date | None,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if contract_end < contract_start:
        errors["contract_end"] = _("契約終了日は契約開始日より後にしてください。")
        return errors
    period = {"start": _d(contract_start), "end": _d(contract_end)}
    if effective_from is None:
        errors["effective_from"] = _("適用開始日を入力してください。")
    elif not contract_start <= effective_from <= contract_end:
        errors["effective_from"] = (
            _("適用開始日は契約期間（%(start)s〜%(end)s）の中にしてください。") % period
        )
    if effective_to is not None:
        if effective_from is not None and effective_to < effective_from:
            errors["effective_to"] = _("適用終了日は適用開始日以降にしてください。")
        elif effective_to > contract_end:
            errors["effective_to"] = (
                _("適用終了日は契約期間（%(start)s〜%(end)s）の中にしてください。") % period
            )
    return errors


def _superseded_by(policy: Policy) -> list[Policy]:
    """Approved versions that ``policy`` would supersede on approval; raises a ValidationError
    naming the version when it would overlap one it cannot supersede."""
    start, end = policy.effective_from, selectors.effective_end(policy)
    superseded = []
    others = (
        Policy.objects.filter(profile=policy.profile, status=S.APPROVED)
        .exclude(pk=policy.pk)
        .order_by("effective_from", "version")
    )
    for other in others:
        o_start, o_end = other.effective_from, selectors.effective_end(other)
        if o_end < start or o_start > end:
            continue
        if o_start < start and o_end <= end:
            superseded.append(other)
            continue
        args = {
            "from": _d(start),
            "to": _d(end),
            "version": other.version,
            "o_from": _d(o_start),
            "o_to": _d(o_end),
        }
        if o_start >= start:
            hint = _("適用開始日を第%(version)s版の適用開始日（%(o_from)s）より後にしてください。")
        else:
            hint = _(
                "第%(version)s版の途中で終わる版は承認できません。"
                "適用終了日を第%(version)s版と同じか空欄（契約終了まで）にしてください。"
            )
        raise ValidationError(
            {
                "effective_from": (
                    _(
                        "適用期間（%(from)s〜%(to)s）が承認済みの第%(version)s版"
                        "（%(o_from)s〜%(o_to)s）と重なります。"
                    )
                    + hint
                )
                % args
            }
        )
    return superseded


# --- items: validation ---------------------------------------------------------------------------


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValidationError({"target_value": _("目標値は数値で入力してください。")}) from exc


def _target_errors(data: dict) -> dict[str, str]:
    """Unit against target: the Japanese message names the field at fault."""
    errors: dict[str, str] = {}
    unit = data["unit"]
    if unit not in U.values:
        errors["unit"] = _("単位を選んでください。")
        return errors
    label = {"unit": U(unit).label}
    value = data["target_value"]
    comparison = data["comparison"]
    if comparison and comparison not in Item.Comparison.values:
        errors["comparison"] = _("比較は ≤、<、≥、>、= のいずれかを選んでください。")
        return errors
    if unit == U.TEXT:
        if not data["target_text"]:
            errors["target_text"] = (
                _("単位が「%(unit)s」の項目は「目標（文章）」を入力してください。") % label
            )
        if value is not None:
            errors["target_value"] = (
                _("単位が「%(unit)s」の項目には目標値を入力できません（目標は文章で書きます）。")
                % label
            )
        if comparison:
            errors["comparison"] = _("単位が「%(unit)s」の項目には比較を指定できません。") % label
        return errors
    if value is None:
        errors["target_value"] = _("目標値を入力してください（単位: %(unit)s）。") % label
        return errors
    if unit == U.PERCENT and not Decimal(0) <= value <= Decimal(100):
        errors["target_value"] = _("目標値は 0〜100 の範囲で入力してください（単位: %）。")
    elif unit in DURATION_UNITS and value <= 0:
        errors["target_value"] = (
            _("目標値は 0 より大きい値を入力してください（単位: %(unit)s）。") % label
        )
    elif unit == U.COUNT and (value < 0 or value != value.to_integral_value()):
        errors["target_value"] = _("件数の目標値は 0 以上の整数で入力してください。")
    if not comparison:
        errors["comparison"] = _("目標値を入力したときは比較（≤、<、≥、>、=）を選んでください。")
    return errors


def item_clean(*, policy: Policy, fields: dict, item: Item | None = None) -> dict:
    """The validated values of an item (``fields`` over the item's current ones); raises a
    ValidationError keyed by field, in Japanese, before anything is written."""
    data = dict(ITEM_DEFAULTS)
    if item is not None:
        data.update({name: getattr(item, name) for name in ITEM_FIELDS})
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown item fields: {sorted(unknown)}")
    data.update(fields)
    for name in ("number", "name", "target_text", "unit", "comparison", "rule"):
        data[name] = (data[name] or "").strip()
    for name in ("exclusions", "method"):
        data[name] = (data[name] or "").strip()
    data["order"] = data["order"] or 0
    data["rule_params"] = data["rule_params"] or {}
    data["target_value"] = _decimal(data["target_value"])

    errors: dict[str, str] = {}
    if not data["number"]:
        errors["number"] = _("番号を入力してください。")
    elif (
        Item.objects.filter(policy=policy, number=data["number"])
        .exclude(pk=item.pk if item else None)
        .exists()
    ):
        errors["number"] = _("番号「%(number)s」はこの版にすでにあります。") % {
            "number": data["number"]
        }
    if not data["name"]:
        errors["name"] = _("項目名を入力してください。")
    if data["measurement"] not in M.values:
        errors["measurement"] = _("計測の方法を選んでください。")
    if data["period"] not in Item.Period.values:
        errors["period"] = _("期間を選んでください。")
    errors.update(_target_errors(data))
    if data["rule"]:
        if data["measurement"] == M.MANUAL and data["rule"] != MANUAL_RULE:
            errors["rule"] = _(
                "計測が「手動（確認資料）」の項目の算出規則は空欄か「%(rule)s」にしてください。"
            ) % {"rule": MANUAL_RULE}
        elif computations.get(data["rule"]) is None:
            errors["rule"] = _("算出規則「%(rule)s」は登録されていません。") % {
                "rule": data["rule"]
            }
    if not isinstance(data["rule_params"], dict):
        errors["rule_params"] = _("算出の設定は JSON のオブジェクト（{...}）で入力してください。")
    if not errors:
        candidate = Item(policy=policy, **data)
        try:
            candidate.full_clean(exclude=["policy"], validate_unique=False)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    return data


# --- policies ----------------------------------------------------------------------------------


@transaction.atomic
def policy_create(
    *,
    actor,
    profile: str,
    name: str,
    effective_from: date,
    effective_to: date | None = None,
    note: str = "",
    contract_start: date | None = None,
    contract_end: date | None = None,
) -> Policy:
    """A first draft for a profile (its contract period from the profile preset by default)."""
    _require_vendor_manager(actor)
    if profile not in PROFILES:
        raise ValidationError({"profile": _("自治体を選んでください。")})
    preset = PROFILES[profile]
    contract_start = contract_start or preset.contract_start
    contract_end = contract_end or preset.contract_end
    errors = _dates_errors(
        contract_start=contract_start,
        contract_end=contract_end,
        effective_from=effective_from,
        effective_to=effective_to,
    )
    if not (name or "").strip():
        errors["name"] = _("名称を入力してください。")
    if errors:
        raise ValidationError(errors)
    _refuse_second_draft(profile)
    return Policy.objects.create(
        profile=profile,
        name=name.strip(),
        contract_start=contract_start,
        contract_end=contract_end,
        version=_next_version(profile),
        effective_from=effective_from,
        effective_to=effective_to,
        note=(note or "").strip(),
    )


@transaction.atomic
def policy_update(
    *,
    policy: Policy,
    actor,
    expected_version: int,
    name: str,
    effective_from: date,
    effective_to: date | None,
    note: str = "",
) -> Policy:
    """Change a draft's name, effective dates or note."""
    _require_vendor_manager(actor)
    locked = _lock_policy(policy, expected_version)
    _require_draft(locked)
    errors = _dates_errors(
        contract_start=locked.contract_start,
        contract_end=locked.contract_end,
        effective_from=effective_from,
        effective_to=effective_to,
    )
    if not (name or "").strip():
        errors["name"] = _("名称を入力してください。")
    if errors:
        raise ValidationError(errors)
    locked.name = name.strip()
    locked.effective_from = effective_from
    locked.effective_to = effective_to
    locked.note = (note or "").strip()
    return _bump(locked)


@transaction.atomic
def policy_new_version(*, policy: Policy, actor, effective_from: date) -> Policy:
    """A new draft from an approved version, with a copy of its items; it will apply from
    ``effective_from`` (after the source's start) once approved."""
    _require_vendor_manager(actor)
    source = Policy.objects.select_for_update().get(pk=policy.pk)
    if source.status != S.APPROVED:
        raise ValidationError(_("新しい版は承認済みの版から作成します。"))
    _refuse_second_draft(source.profile)
    if effective_from is None:
        raise ValidationError({"effective_from": _("適用開始日を入力してください。")})
    if effective_from <= source.effective_from:
        raise ValidationError(
            {
                "effective_from": _(
                    "新しい版の適用開始日は第%(version)s版の適用開始日（%(from)s）より後にしてください。"
                )
                % {"version": source.version, "from": _d(source.effective_from)}
            }
        )
    errors = _dates_errors(
        contract_start=source.contract_start,
        contract_end=source.contract_end,
        effective_from=effective_from,
        effective_to=source.effective_to,
    )
    if errors:
        raise ValidationError({"effective_from": next(iter(errors.values()))})
    draft = Policy.objects.create(
        profile=source.profile,
        name=source.name,
        contract_start=source.contract_start,
        contract_end=source.contract_end,
        version=_next_version(source.profile),
        effective_from=effective_from,
        effective_to=source.effective_to,
        note=_("第%(version)s版から作成") % {"version": source.version},
    )
    copies = [
        Item(policy=draft, **{name: getattr(item, name) for name in ITEM_FIELDS})
        for item in selectors.policy_items(source)
    ]
    if copies:
        bulk_create_with_history(copies, Item, default_user=actor)
    return draft


@transaction.atomic
def policy_submit(*, policy: Policy, actor, expected_version: int) -> Policy:
    """案 → 協議中: the vendor manager submits the draft to the city."""
    _require_vendor_manager(actor)
    locked = _lock_policy(policy, expected_version)
    if locked.status != S.DRAFT:
        raise ValidationError(
            _("「案」の版のみ協議に出せます（現在: %(status)s）。")
            % {"status": locked.get_status_display()}
        )
    if not Item.objects.filter(policy=locked).exists():
        raise ValidationError(_("項目が一つもありません。項目を追加してから協議に出してください。"))
    _superseded_by(locked)  # refuse an overlap now rather than at approval
    locked.status = S.NEGOTIATING
    return _bump(locked)


@transaction.atomic
def policy_return(
    *, policy: Policy, actor, expected_version: int, comment: str, now: datetime | None = None
) -> Policy:
    """協議中 → 案: the city admin sends the draft back, saying why."""
    _require_city_admin(actor)
    locked = _lock_policy(policy, expected_version)
    if locked.status != S.NEGOTIATING:
        raise ValidationError(
            _("「協議中」の版のみ差し戻せます（現在: %(status)s）。")
            % {"status": locked.get_status_display()}
        )
    if not (comment or "").strip():
        raise ValidationError({"body": _("差し戻す理由を入力してください。")})
    CatalogComment.objects.create(
        policy=locked, author=actor, body=comment.strip(), created_at=now or timezone.now()
    )
    locked.status = S.DRAFT
    return _bump(locked)


@transaction.atomic
def policy_approve(
    *, policy: Policy, actor, expected_version: int, now: datetime | None = None
) -> Policy:
    """協議中 → 承認 by a city admin; from then on the version is read-only. An approved
    version it supersedes is closed the day before it starts."""
    _require_city_admin(actor)
    # Lock the profile's versions in a fixed order: two approvals never interleave.
    list(Policy.objects.select_for_update().filter(profile=policy.profile).order_by("pk"))
    locked = _lock_policy(policy, expected_version)
    if locked.status != S.NEGOTIATING:
        raise ValidationError(
            _("「協議中」の版のみ承認できます（現在: %(status)s）。")
            % {"status": locked.get_status_display()}
        )
    for other in _superseded_by(locked):
        other.effective_to = locked.effective_from - timedelta(days=1)
        _bump(other, reason=f"第{locked.version}版の承認により適用終了")
    locked.status = S.APPROVED
    locked.approved_by = actor
    locked.approved_at = now or timezone.now()
    return _bump(locked)


@transaction.atomic
def policy_import_approved(
    *,
    profile: str,
    name: str,
    contract_start: date,
    contract_end: date,
    effective_from: date,
    effective_to: date | None,
    items: list[dict],
    approver=None,
    approved_at: datetime | None = None,
    note: str = "",
) -> Policy:
    """Load an already agreed catalogue as an approved version (demo data, or a catalogue
    agreed on paper). Every item is validated as in the screens; nothing is saved unless
    all are valid. Refuses an overlap with another approved version."""
    errors = _dates_errors(
        contract_start=contract_start,
        contract_end=contract_end,
        effective_from=effective_from,
        effective_to=effective_to,
    )
    if errors:
        raise ValidationError(errors)
    policy = Policy(
        profile=profile,
        name=name,
        contract_start=contract_start,
        contract_end=contract_end,
        version=_next_version(profile),
        effective_from=effective_from,
        effective_to=effective_to,
        status=S.APPROVED,
        approved_by=approver,
        approved_at=approved_at or timezone.now(),
        note=note,
    )
    if _superseded_by(policy):
        raise ValidationError({"effective_from": _("承認済みの版と適用期間が重なります。")})
    policy.save()
    rows = []
    numbers = set()
    for order, fields in enumerate(items, start=1):
        fields = {"order": order, **fields}
        if fields["number"] in numbers:
            raise ValidationError({"number": _("番号「%(number)s」が重複しています。") % fields})
        numbers.add(fields["number"])
        rows.append(Item(policy=policy, **item_clean(policy=policy, fields=fields)))
    bulk_create_with_history(rows, Item)
    return policy


# --- items -------------------------------------------------------------------------------------


@transaction.atomic
def item_create(*, policy: Policy, actor, expected_version: int, **fields) -> Item:
    """Add an item to a draft (fields: see ``ITEM_FIELDS``)."""
    _require_vendor_manager(actor)
    locked = _lock_policy(policy, expected_version)
    _require_draft(locked)
    data = item_clean(policy=locked, fields=fields)
    if not fields.get("order"):
        data["order"] = (Item.objects.filter(policy=locked).aggregate(m=Max("order"))["m"] or 0) + 1
    item = Item.objects.create(policy=locked, **data)
    _bump(locked)
    return item


@transaction.atomic
def item_update(*, item: Item, actor, expected_version: int, **fields) -> Item:
    """Change an item of a draft; ``expected_version`` is the policy's ``version_lock``."""
    _require_vendor_manager(actor)
    locked = _lock_policy(item.policy, expected_version)
    _require_draft(locked)
    current = Item.objects.select_for_update().get(pk=item.pk)
    data = item_clean(policy=locked, fields=fields, item=current)
    for name, value in data.items():
        setattr(current, name, value)
    current.save()
    _bump(locked)
    return current


@transaction.atomic
def item_delete(*, item: Item, actor, expected_version: int) -> None:
    """Retire an item from a draft (earlier versions keep it)."""
    _require_vendor_manager(actor)
    locked = _lock_policy(item.policy, expected_version)
    _require_draft(locked)
    Item.objects.get(pk=item.pk).delete()
    _bump(locked)


# --- comments ----------------------------------------------------------------------------------


@transaction.atomic
def catalog_comment_add(
    *,
    actor,
    body: str,
    policy: Policy | None = None,
    plan: ImprovementPlan | None = None,
    now: datetime | None = None,
) -> CatalogComment:
    """A review comment by a city admin or a vendor manager on a version or a plan."""
    _require(actor, roles.CITY_ADMIN, roles.VENDOR_MANAGER)
    if (policy is None) == (plan is None):
        raise TypeError("give exactly one of policy / plan")
    if not (body or "").strip():
        raise ValidationError({"body": _("コメントを入力してください。")})
    return CatalogComment.objects.create(
        policy=policy,
        plan=plan,
        author=actor,
        body=body.strip(),
        created_at=now or timezone.now(),
    )


# --- evidence ----------------------------------------------------------------------------------


def evidence_file_check(upload, *, field: str = "file") -> None:
    """Refuse a file of another type (by name *and* content) or over the size cap."""
    check_upload(upload, field=field, allowed=EVIDENCE_TYPES, max_bytes=evidence_max_bytes())


def _evidence_value_errors(item: Item, value: Decimal | None) -> dict[str, str]:
    if value is None:
        return {}
    if item.unit == U.TEXT:
        return {"value": _("文章で判定する項目には実績値を入力できません。")}
    if item.unit == U.PERCENT and not Decimal(0) <= value <= Decimal(100):
        return {"value": _("実績値は 0〜100 の範囲で入力してください（単位: %）。")}
    if value < 0:
        return {"value": _("実績値は 0 以上で入力してください。")}
    return {}


@transaction.atomic
def evidence_record(
    *,
    item: Item,
    month: date,
    actor,
    met: bool | None,
    value: Decimal | None = None,
    note: str = "",
    file=None,
    confirmed_at: datetime | None = None,
    now: datetime | None = None,
) -> Evidence:
    """A vendor manager confirms a manual (or computed + evidence) item for one month.
    Without ``met``, a value is judged against the item's target."""
    _require_vendor_manager(actor)
    now = now or timezone.now()
    first = selectors.month_first(month)
    errors: dict[str, str] = {}
    if item.measurement not in selectors.MANUAL_MEASUREMENTS:
        raise ValidationError(_("この項目は自動計測のため、確認資料の登録は不要です。"))
    if item.policy.status != S.APPROVED:
        raise ValidationError(_("承認済みの版の項目にのみ確認資料を登録できます。"))
    if first > to_jst(now).date().replace(day=1):
        errors["month"] = _("未来の月（%(month)s）の確認資料は登録できません。") % {
            "month": month_label(first)
        }
    elif selectors.policy_for_month(item.policy.profile, first) != item.policy:
        errors["month"] = _("%(month)sはこの版（第%(version)s版）で判定する月ではありません。") % {
            "month": month_label(first),
            "version": item.policy.version,
        }
    confirmed_at = confirmed_at or now
    if confirmed_at > now + FUTURE_LEEWAY:
        errors["confirmed_at"] = _("確認日時が未来になっています。")
    note = (note or "").strip()
    if not note and not file:
        errors["note"] = _("確認内容を入力するか、確認資料を添付してください。")
    if value is not None and not isinstance(value, Decimal):
        value = Decimal(str(value))
    errors.update(_evidence_value_errors(item, value))
    if met is None and value is not None and item.target_value is not None and item.comparison:
        met = computations.judge(value, item.comparison, item.target_value) == computations.MET
    if item.measurement == M.MANUAL and met is None:
        errors.setdefault(
            "met", _("達成・未達を選ぶか、目標と比べられる実績値を入力してください。")
        )
    if file:
        try:
            evidence_file_check(file, field="file")
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    evidence = Evidence(
        item=item,
        period_start=first,
        period_end=selectors.month_last(first),
        met=met,
        value=value,
        note=note,
        confirmed_by=actor,
        confirmed_at=confirmed_at,
    )
    if file:
        evidence.file.save(PurePath(file.name).name, file, save=False)
    evidence.save()
    return evidence


# --- improvement plans ---------------------------------------------------------------------------


def _owner_errors(owner) -> dict[str, str]:
    if owner is not None and not (owner.is_active and user_has_role(owner, roles.VENDOR_MANAGER)):
        return {"owner": _("担当には有効な運用保守責任者（事業者）を選んでください。")}
    return {}


@transaction.atomic
def improvement_plan_open(
    *, item: Item, period_start: date, owner=None, now: datetime | None = None
) -> ImprovementPlan:
    """The plan for a missed item and month, opened once (idempotent: the existing plan is
    returned). Policy due 1 month and completion due 3 months after the opening day (JST)."""
    month = selectors.month_first(period_start)
    existing = ImprovementPlan.objects.filter(item=item, period_start=month).first()
    if existing is not None:
        return existing
    now = now or timezone.now()
    opened = to_jst(now).date()
    if month > opened.replace(day=1):
        raise ValidationError({"period_start": _("未来の月の改善策は起票できません。")})
    errors = _owner_errors(owner)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return ImprovementPlan.objects.create(
                item=item,
                period_start=month,
                opened_at=now,
                policy_due=opened + relativedelta(months=POLICY_DUE_MONTHS),
                completion_due=opened + relativedelta(months=COMPLETION_DUE_MONTHS),
                owner=owner,
            )
    except IntegrityError:  # opened at the same moment by another job
        return ImprovementPlan.objects.get(item=item, period_start=month)


def _plan_texts(owner, cause: str, policy_text: str, countermeasure: str) -> dict:
    return {
        "owner": owner,
        "cause": (cause or "").strip(),
        "policy_text": (policy_text or "").strip(),
        "countermeasure": (countermeasure or "").strip(),
    }


def _require_not_completed(plan: ImprovementPlan) -> None:
    if plan.status == P.COMPLETED:
        raise ValidationError(_("完了した改善策は変更できません。"))


@transaction.atomic
def improvement_plan_update(
    *,
    plan: ImprovementPlan,
    actor,
    expected_version: int,
    owner=None,
    cause: str = "",
    policy_text: str = "",
    countermeasure: str = "",
) -> ImprovementPlan:
    """Save the owner and texts without changing the status."""
    _require_vendor_manager(actor)
    _require_not_completed(plan)
    fields = _plan_texts(owner, cause, policy_text, countermeasure)
    errors = _owner_errors(owner)
    if errors:
        raise ValidationError(errors)
    return update_with_version(plan, expected_version=expected_version, fields=fields)


@transaction.atomic
def improvement_plan_report_policy(
    *,
    plan: ImprovementPlan,
    actor,
    expected_version: int,
    owner=None,
    cause: str = "",
    policy_text: str = "",
    countermeasure: str = "",
    now: datetime | None = None,
) -> ImprovementPlan:
    """方針未報告 → 方針報告済・改善中: the cause and the improvement policy are reported."""
    _require_vendor_manager(actor)
    if plan.status != P.OPEN:
        raise ValidationError(
            _("「方針未報告」の改善策のみ方針を報告できます（現在: %(status)s）。")
            % {"status": plan.get_status_display()}
        )
    fields = _plan_texts(owner, cause, policy_text, countermeasure)
    errors = _owner_errors(owner)
    if not fields["cause"]:
        errors["cause"] = _("原因を入力してください。")
    if not fields["policy_text"]:
        errors["policy_text"] = _("改善方針を入力してください。")
    if errors:
        raise ValidationError(errors)
    fields.update(status=P.POLICY_REPORTED, policy_reported_at=now or timezone.now())
    return update_with_version(plan, expected_version=expected_version, fields=fields)


@transaction.atomic
def improvement_plan_complete(
    *,
    plan: ImprovementPlan,
    actor,
    expected_version: int,
    owner=None,
    cause: str = "",
    policy_text: str = "",
    countermeasure: str = "",
    now: datetime | None = None,
) -> ImprovementPlan:
    """方針報告済・改善中 → 完了: the improvement carried out is recorded."""
    _require_vendor_manager(actor)
    if plan.status != P.POLICY_REPORTED:
        raise ValidationError(
            _("改善方針を報告してから完了にしてください（現在: %(status)s）。")
            % {"status": plan.get_status_display()}
        )
    fields = _plan_texts(owner, cause, policy_text, countermeasure)
    errors = _owner_errors(owner)
    if not fields["policy_text"]:
        errors["policy_text"] = _("改善方針を入力してください。")
    if not fields["countermeasure"]:
        errors["countermeasure"] = _("実施した改善内容を入力してください。")
    if errors:
        raise ValidationError(errors)
    fields.update(status=P.COMPLETED, completed_at=now or timezone.now())
    return update_with_version(plan, expected_version=expected_version, fields=fields)


# --- reminders -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    kind: str  # policy_before, policy_due, completion_before, completion_due
    due: date


def reminders_due(plan: ImprovementPlan, *, today: date, days_before: int) -> list[Reminder]:
    """Which reminders a plan calls for today: "before" within ``days_before`` days of a due
    date, "due" on it or after it (never both for one date). Policy reminders stop once the
    policy is reported; all stop once the plan is completed."""
    found = []
    targets = []
    if plan.status == P.OPEN:
        targets.append(("policy", plan.policy_due))
    if plan.status in (P.OPEN, P.POLICY_REPORTED):
        targets.append(("completion", plan.completion_due))
    for prefix, due in targets:
        if today >= due:
            found.append(Reminder(f"{prefix}_due", due))
        elif today >= due - timedelta(days=days_before):
            found.append(Reminder(f"{prefix}_before", due))
    return found


def _reminder_text(plan: ImprovementPlan, reminder: Reminder, today: date) -> tuple[str, str]:
    what = _("改善方針の報告") if reminder.kind.startswith("policy") else _("改善策の完了")
    if reminder.kind.endswith("before"):
        state = _("期限まであと%(days)s日") % {"days": (reminder.due - today).days}
    elif today > reminder.due:
        state = _("期限を過ぎています")
    else:
        state = _("本日が期限です")
    profile = PROFILES.get(plan.item.policy.profile)
    city = profile.name if profile else plan.item.policy.profile
    subject = _("【SLA 改善策】%(what)s: %(state)s（%(city)s %(number)s %(name)s）") % {
        "what": what,
        "state": state,
        "city": city,
        "number": plan.item.number,
        "name": plan.item.name,
    }
    body = _(
        "SLA 項目: %(city)s 第%(version)s版 %(number)s %(name)s\n"
        "未達の月: %(month)s\n"
        "状態: %(status)s\n"
        "%(what)sの期限: %(due)s（%(state)s）\n"
        "担当: %(owner)s\n\n"
        "改善策の画面で原因・改善方針・改善内容を記録してください。\n"
    ) % {
        "city": city,
        "version": plan.item.policy.version,
        "number": plan.item.number,
        "name": plan.item.name,
        "month": month_label(plan.period_start),
        "status": plan.get_status_display(),
        "what": what,
        "due": _d(reminder.due),
        "state": state,
        "owner": plan.owner.name if plan.owner else _("未定"),
    }
    return subject[:200], body


def improvement_plan_reminders_send(*, today: date | None = None) -> int:
    """Daily (08:30 JST): mail the owner and the vendor managers before and at each due date
    of every open plan. Each reminder is sent exactly once: its ``PlanReminder`` row is
    written (unique per plan and kind) before the mail; a second run finds it and skips.
    Nothing is recorded while there is nobody to tell, so it goes out on a later run."""
    from django.core.mail import send_mail

    today = today or now_jst().date()
    days = remind_days_before()
    managers = [u.email for u in selectors.vendor_managers() if u.email]
    sent = 0
    for plan in selectors.plans_due_for_reminders():
        done = {r.kind for r in plan.reminders.all()}
        for reminder in reminders_due(plan, today=today, days_before=days):
            if reminder.kind in done:
                continue
            recipients = sorted(
                set(managers)
                | (
                    {plan.owner.email}
                    if plan.owner and plan.owner.is_active and plan.owner.email
                    else set()
                )
            )
            if not recipients:
                continue
            try:
                with transaction.atomic():
                    PlanReminder.objects.create(
                        plan=plan, kind=reminder.kind, sent_at=timezone.now()
                    )
            except IntegrityError:
                continue  # sent by a concurrent run
            subject, body = _reminder_text(plan, reminder, today)
            send_mail(
                subject=subject,
                message=body,
                from_email=None,
                recipient_list=recipients,
                fail_silently=True,
            )
            sent += 1
    return sent
