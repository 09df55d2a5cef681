"""Carry out a checked plan. The caller holds the transaction: all rows or none."""

from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta

from django.apps import apps
from django.contrib.auth.models import Group
from django.db.models import Q
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

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


class _StaffBatch:
    """Collects the writes of every staff row, then makes them in a few bulk
    statements (a 3,000-row April file would otherwise cost ~20,000 queries).
    Bulk writes still leave one history row per object, with the actor and reason."""

    def __init__(self, ctx: _Context, plan: Plan):
        self.ctx = ctx
        numbers = [c.employee_number for c in plan.staff]
        self.users = {
            u.employee_number: u for u in User.objects.filter(employee_number__in=numbers)
        }
        earliest = min((c.issued_on for c in plan.staff), default=None)
        self.open: dict[int, list[Assignment]] = defaultdict(list)
        if earliest:
            for a in (
                Assignment.objects.filter(user_id__in=[u.pk for u in self.users.values()])
                .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=earliest))
                .order_by("-valid_from", "-pk")
            ):
                self.open[a.user_id].append(a)
        self.units: dict[tuple[str, date], OrgUnit] = {}
        self.new_users: list[User] = []
        self.updated_users: dict[int, User] = {}
        self.updated_fields: set[str] = set()
        self.roles: dict[str, list[str]] = {}  # employee number -> role codes
        self.ended: dict[int, Assignment] = {}
        self.withdrawn: list[Assignment] = []
        self.postings: list[tuple[str, Assignment]] = []  # (employee number, unsaved posting)

    def unit(self, code: str, on: date) -> OrgUnit:
        key = (code, on)
        if key not in self.units:
            self.units[key] = _unit_for(code, on)
        return self.units[key]

    def update(self, user: User, **fields) -> None:
        for attr, value in fields.items():
            if getattr(user, attr) != value:
                setattr(user, attr, value)
                self.updated_fields.add(attr)
                self.updated_users[user.pk] = user

    def end_postings(self, user: User, last_day: date) -> None:
        for a in self.open.get(user.pk, []):
            if a.valid_to is not None and a.valid_to <= last_day:
                continue
            if a.valid_from > last_day:
                self.withdrawn.append(a)
            else:
                a.valid_to = last_day
                self.ended[a.pk] = a

    def post(self, number: str, user: User | None, change: StaffChange) -> None:
        previous = None
        if user is not None:
            previous = next(
                (a for a in self.open.get(user.pk, []) if a.valid_from <= change.issued_on), None
            )
            self.end_postings(user, change.issued_on - timedelta(days=1))
        posting = Assignment(
            org_unit=self.unit(change.unit_code, change.issued_on),
            position=change.position or (previous.position if previous else ""),
            job_type=change.job_type or (previous.job_type if previous else ""),
            valid_from=change.issued_on,
        )
        self.postings.append((number, posting))

    def add(self, change: StaffChange) -> None:
        user = self.users.get(change.employee_number)
        if change.kind == NEW:
            if user is None:
                user = User(
                    employee_number=change.employee_number,
                    name=change.name,
                    name_kana=change.kana,
                    email=change.email,
                    is_active=True,
                )
                user.set_unusable_password()  # the city's initial-password procedure sets it
                self.new_users.append(user)
                self.users[change.employee_number] = user
                self.post(change.employee_number, None, change)
            else:  # a former employee re-hired
                self.update(
                    user,
                    name=change.name,
                    name_kana=change.kana,
                    email=change.email,
                    is_active=True,
                )
                self.post(change.employee_number, user, change)
            self.roles[change.employee_number] = change.roles or []
        elif change.kind in (TRANSFER, RETURN):
            fields = {
                attr: value
                for attr, value in (
                    ("name", change.name),
                    ("name_kana", change.kana),
                    ("email", change.email),
                )
                if value
            }
            if change.kind == RETURN:
                fields["is_active"] = True
            self.update(user, **fields)
            if change.roles is not None and change.roles != change.old_roles:
                self.roles[change.employee_number] = change.roles
            if change.unit_code:
                self.post(change.employee_number, user, change)
        elif change.kind == RETIRE:
            self.update(user, is_active=False)
            self.end_postings(user, change.issued_on)
        elif change.kind == LEAVE:
            self.update(user, is_active=False)

    def write(self) -> None:
        ctx = self.ctx
        who = {"default_user": ctx.actor, "default_change_reason": ctx.reason}
        if self.new_users:
            bulk_create_with_history(self.new_users, User, batch_size=500, **who)
            self.users.update(
                User.objects.filter(
                    employee_number__in=[u.employee_number for u in self.new_users]
                ).in_bulk(field_name="employee_number")
            )
        new_numbers = {u.employee_number for u in self.new_users}
        # A role change alone still needs a history row to hang the new roles on.
        for number in self.roles:
            user = self.users[number]
            if number not in new_numbers and user.pk not in self.updated_users:
                self.updated_users[user.pk] = user
                self.updated_fields.add("is_active")
        if self.updated_users:
            bulk_update_with_history(
                list(self.updated_users.values()),
                User,
                sorted(self.updated_fields),
                batch_size=500,
                **who,
            )
        if self.roles:
            self._write_roles()
        for a in self.withdrawn:
            ctx.stamp(a).delete()
        if self.ended:
            bulk_update_with_history(
                list(self.ended.values()), Assignment, ["valid_to"], batch_size=500, **who
            )
        if self.postings:
            for number, a in self.postings:
                a.user = self.users[number]
            bulk_create_with_history(
                [a for _, a in self.postings], Assignment, batch_size=500, **who
            )

    def _write_roles(self) -> None:
        through = User.groups.through
        user_ids = {self.users[n].pk: n for n in self.roles}
        through.objects.filter(user_id__in=user_ids).delete()
        created = through.objects.bulk_create(
            [
                through(user_id=uid, group_id=self.ctx.groups[code].pk)
                for uid, number in user_ids.items()
                for code in self.roles[number]
            ]
        )
        # Snapshot the new roles onto each user's newest history row, as
        # simple-history does for single saves.
        latest = (
            User.history.model.objects.filter(
                id__in=user_ids, history_change_reason=self.ctx.reason
            )
            .order_by("id", "-history_date", "-history_id")
            .distinct("id")
        )
        by_user = {h.id: h for h in latest}
        m2m_history = apps.get_model("accounts", "HistoricalUser_groups")
        m2m_history.objects.bulk_create(
            [
                m2m_history(
                    history=by_user[row.user_id],
                    id=row.pk,
                    user_id=row.user_id,
                    group_id=row.group_id,
                )
                for row in created
                if row.user_id in by_user
            ]
        )


def apply_staff(ctx: _Context, plan: Plan, *, progress: Progress | None = None) -> list[dict]:
    batch = _StaffBatch(ctx, plan)
    results = []
    for i, change in enumerate(plan.staff, 1):
        if change.noop:
            results.append(_result(change, "変更なし", ""))
            continue
        batch.add(change)
        results.append(_result(change, "反映", _describe(change)))
        if progress and i % 500 == 0:
            progress(i // 2)  # writing is the other half of the work
    batch.write()
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
