"""Carry out a checked plan. The caller holds the transaction: all rows or none."""

from collections.abc import Callable
from datetime import date, timedelta

from django.contrib.auth.models import Group
from django.db.models import Q

from accounts.models import Assignment, OrgUnit, User
from accounts.personnel_import.plan import (
    ABOLISH,
    CREATE,
    LEAVE,
    MERGE,
    NEW,
    RENAME,
    RETIRE,
    RETURN,
    TRANSFER,
    Plan,
    StaffChange,
)
from accounts.selectors import valid_on

ORG_ORDER = {CREATE: 0, RENAME: 1, MERGE: 2, ABOLISH: 3}

Progress = Callable[[int], None]


class _Context:
    def __init__(self, *, actor: User, reason: str):
        self.actor, self.reason = actor, reason
        self.groups = {g.name: g for g in Group.objects.all()}

    def stamp(self, obj):
        # simple-history reads these when it writes the history row.
        obj._history_user = self.actor
        obj._change_reason = self.reason
        return obj

    def save(self, obj, **kwargs):
        self.stamp(obj).save(**kwargs)
        return obj


def _open_assignments(user_id: int, on: date):
    return Assignment.objects.filter(user_id=user_id).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )


def _end_assignments(
    ctx: _Context, user_id: int, last_day: date, *, except_unit: int | None = None
):
    """End postings at ``last_day``; postings that had not begun by then are withdrawn."""
    for a in _open_assignments(user_id, last_day + timedelta(days=1)):
        if except_unit is not None and a.org_unit_id == except_unit:
            continue
        if a.valid_from > last_day:
            ctx.stamp(a).delete()
        else:
            a.valid_to = last_day
            ctx.save(a, update_fields=["valid_to"])


def _unit_for(code: str, on: date) -> OrgUnit:
    return OrgUnit.objects.filter(valid_on(on), code=code).get()


def apply_org(ctx: _Context, plan: Plan, *, moving_users: set[int]) -> list[dict]:
    results = []
    for change in sorted(plan.org, key=lambda c: (ORG_ORDER[c.kind], c.issued_on, c.row)):
        day_before = change.issued_on - timedelta(days=1)
        if change.kind == CREATE:
            parent = _unit_for(change.parent_code, change.issued_on) if change.parent_code else None
            ctx.save(
                OrgUnit(
                    code=change.code,
                    name=change.name,
                    kind=change.unit_kind,
                    parent=parent,
                    valid_from=change.issued_on,
                )
            )
            detail = f"新設: {change.name}"
        else:
            old = OrgUnit.objects.get(pk=change.unit_id)
            old.valid_to = day_before
            if change.kind == RENAME:
                new = ctx.save(
                    OrgUnit(
                        code=old.code,
                        name=change.name or old.name,
                        kind=change.unit_kind or old.kind,
                        parent=old.parent,
                        valid_from=change.issued_on,
                    )
                )
                old.successor = new
                detail = f"名称変更: {old.name} → {new.name}"
            elif change.kind == MERGE:
                new = _unit_for(change.successor_code, change.issued_on)
                old.successor = new
                detail = f"統合: {old.name} → {new.name}"
            else:
                new = None
                detail = f"廃止: {old.name}"
            ctx.save(old, update_fields=["valid_to", "successor"])
            if new is not None:
                change.members_moved = _move_members(ctx, old, new, change.issued_on, moving_users)
                if change.members_moved:
                    detail += f"（所属 {change.members_moved} 名を移動）"
        results.append(
            {
                "sheet": "組織",
                "row": change.row,
                "key": change.code,
                "kind": change.kind,
                "result": "反映",
                "detail": detail,
            }
        )
    return results


def _move_members(ctx, old: OrgUnit, new: OrgUnit, on: date, moving_users: set[int]) -> int:
    moved = 0
    for a in Assignment.objects.filter(org_unit=old).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    ):
        if a.user_id in moving_users:
            continue  # their own row in the staff sheet decides where they go
        start = max(on, a.valid_from)
        if a.valid_from >= on:
            a.org_unit = new
            ctx.save(a, update_fields=["org_unit"])
        else:
            end = a.valid_to
            a.valid_to = on - timedelta(days=1)
            ctx.save(a, update_fields=["valid_to"])
            ctx.save(
                Assignment(
                    user_id=a.user_id,
                    org_unit=new,
                    position=a.position,
                    job_type=a.job_type,
                    valid_from=start,
                    valid_to=end,
                )
            )
        moved += 1
    return moved


def _set_roles(ctx: _Context, user: User, codes: list[str]) -> None:
    ctx.stamp(user)
    user.groups.set([ctx.groups[c] for c in codes])


def _post(ctx: _Context, user: User, change: StaffChange, previous: Assignment | None) -> None:
    unit = _unit_for(change.unit_code, change.issued_on)
    _end_assignments(ctx, user.pk, change.issued_on - timedelta(days=1))
    ctx.save(
        Assignment(
            user=user,
            org_unit=unit,
            position=change.position or (previous.position if previous else ""),
            job_type=change.job_type or (previous.job_type if previous else ""),
            valid_from=change.issued_on,
        )
    )


def _describe(change: StaffChange) -> str:
    parts = []
    if change.kind in (TRANSFER, RETURN, NEW) and change.unit_code:
        parts.append(
            f"{change.from_unit or '—'} → {change.to_unit}"
            if change.kind != NEW
            else change.to_unit
        )
    if change.roles is not None and change.roles != change.old_roles:
        parts.append(f"権限: {'、'.join(change.old_roles) or '—'} → {'、'.join(change.roles)}")
    if change.kind == RETIRE:
        parts.append(f"{change.issued_on:%Y/%m/%d} 付で退職（アカウント無効化）")
    if change.kind == LEAVE:
        parts.append("休職（アカウント無効化）")
    return "／".join(parts)


def apply_staff(ctx: _Context, plan: Plan, *, progress: Progress | None = None) -> list[dict]:
    results = []
    users = {
        u.employee_number: u
        for u in User.objects.filter(employee_number__in=[c.employee_number for c in plan.staff])
    }
    for i, change in enumerate(plan.staff, 1):
        user = users.get(change.employee_number)
        if change.noop:
            results.append(_result(change, "変更なし", ""))
            continue
        previous = None
        if user is not None:
            previous = _open_assignments(user.pk, change.issued_on).order_by("-valid_from").first()
        if change.kind == NEW:
            if user is None:
                user = User(employee_number=change.employee_number)
            user.name, user.name_kana, user.email = change.name, change.kana, change.email
            user.is_active = True
            if not user.pk:
                user.set_unusable_password()  # the city's initial-password procedure sets it
            ctx.save(user)
            _set_roles(ctx, user, change.roles or [])
            _post(ctx, user, change, previous)
        elif change.kind in (TRANSFER, RETURN):
            changed = []
            for attr, value in (
                ("name", change.name),
                ("name_kana", change.kana),
                ("email", change.email),
            ):
                if value and getattr(user, attr) != value:
                    setattr(user, attr, value)
                    changed.append(attr)
            if change.kind == RETURN:
                user.is_active = True
                changed.append("is_active")
            if changed:
                ctx.save(user, update_fields=changed)
            if change.roles is not None and change.roles != change.old_roles:
                _set_roles(ctx, user, change.roles)
            if change.unit_code:
                _post(ctx, user, change, previous)
        elif change.kind == RETIRE:
            user.is_active = False
            ctx.save(user, update_fields=["is_active"])
            _end_assignments(ctx, user.pk, change.issued_on)
        elif change.kind == LEAVE:
            user.is_active = False
            ctx.save(user, update_fields=["is_active"])
        results.append(_result(change, "反映", _describe(change)))
        if progress and i % 100 == 0:
            progress(i)
    if progress:
        progress(len(plan.staff))
    return results


def _result(change: StaffChange, result: str, detail: str) -> dict:
    return {
        "sheet": "職員",
        "row": change.row,
        "key": change.employee_number,
        "kind": change.kind,
        "name": change.name,
        "result": result,
        "detail": detail,
    }


def apply_plan(
    plan: Plan, *, actor: User, reason: str, progress: Progress | None = None
) -> list[dict]:
    ctx = _Context(actor=actor, reason=reason)
    moving = {
        c.user_id
        for c in plan.staff
        if c.user_id and c.kind in (TRANSFER, RETIRE, RETURN) and not c.noop
    }
    results = apply_org(ctx, plan, moving_users=moving)
    results += apply_staff(ctx, plan, progress=progress)
    return results


__all__ = ["NEW", "apply_plan"]
