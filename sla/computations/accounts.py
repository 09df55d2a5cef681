"""Users and permissions kept current (Sendai #25, #26), measured from accounts' own records:
postings (Assignment, with validity), their history (when each was registered), personnel
imports (発令日 and when they were applied), the users' history (when an account was
deactivated) and roles (groups).

#25 users managed current — each of these is one check, each failure one row:
  * a posting that starts in the period was registered by its start date (発令日);
  * a personnel import whose 発令日 falls in the period was applied by that day;
  * a leaver (last posting ended in the period, no later one) was deactivated by the
    leaving date;
  * on the last day of the period, no active account is without a current posting.
#26 permission levels current:
  * each role change of an import applied in the period is what the user holds (unless a
    later change superseded it) and was applied by its 発令日;
  * on the last day of the period, no active account holds roles that contradict its posting
    (vendor roles outside the vendor's unit, case roles in the vendor's unit).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from django.conf import settings
from django.db.models import Min

from accounts import roles
from accounts.models import Assignment, OrgUnit, PersonnelImport, User
from accounts.selectors import valid_on
from core.timeutil import now_jst, to_jst
from sla.computations import Outcome, Row, rule
from sla.computations._common import (
    effective_end,
    first_day,
    last_day,
    link,
    not_started,
    params,
    rate_outcome,
)
from sla.computations._common import now as _now

NOT_APPLIED = (
    PersonnelImport.Status.READY,
    PersonnelImport.Status.SCHEDULED,
    PersonnelImport.Status.APPLYING,
    PersonnelImport.Status.FAILED,
)


def _user_url(pk: int) -> str:
    return link("admin:accounts_user_change", pk)


def _import_url(pk: int) -> str:
    return link("admin:accounts_personnelimport_change", pk)


class Checks:
    def __init__(self):
        self.counted = 0
        self.met = 0
        self.rows: list[Row] = []
        self.excluded: list[tuple[str, str]] = []

    def ok(self, n: int = 1) -> None:
        self.counted += n
        self.met += n

    def fail(self, label: str, value: str, url: str, note: str = "") -> None:
        self.counted += 1
        self.rows.append(Row(label, value, False, url, note))


def _jst_date(dt: datetime) -> date:
    return to_jst(dt).date()


def _check_day(stop_at: datetime) -> date:
    return min(last_day(stop_at), now_jst().date())


def _exempt(user: User, p: dict) -> bool:
    if user.is_superuser and p.get("exempt_superusers", True):
        return True
    # django-guardian's stand-in for anonymous visitors: not a person, cannot log in.
    if user.employee_number == getattr(settings, "ANONYMOUS_USER_NAME", "AnonymousUser"):
        return True
    return user.employee_number in set(p.get("exempt_employee_numbers", []))


def _postings_on_time(c: Checks, first: date, last: date, grace: int) -> None:
    created = dict(
        Assignment.history.filter(history_type="+")
        .values("id")
        .annotate(at=Min("history_date"))
        .filter(id__in=Assignment.objects.filter(valid_from__gte=first, valid_from__lte=last))
        .values_list("id", "at")
    )
    postings = Assignment.objects.filter(
        valid_from__gte=first, valid_from__lte=last
    ).select_related("user")
    for a in postings.order_by("valid_from", "pk"):
        at = created.get(a.pk)
        if at is None:
            c.excluded.append((f"所属 {a.user.employee_number}", "登録の記録（履歴）がない"))
            continue
        late = (_jst_date(at) - a.valid_from).days - grace
        if late > 0:
            c.fail(
                f"職員 {a.user.employee_number} 所属（発令日 {a.valid_from:%Y/%m/%d}）",
                f"{_jst_date(at):%Y/%m/%d} 登録（{late}日遅れ）",
                _user_url(a.user_id),
                "発令日までに反映されていない",
            )
        else:
            c.ok()


def _imports_on_time(c: Checks, first: date, last: date, today: date) -> None:
    for imp in PersonnelImport.objects.filter(
        effective_date__gte=first, effective_date__lte=last
    ).order_by("effective_date", "pk"):
        label = f"人事異動取込 #{imp.pk}（発令日 {imp.effective_date:%Y/%m/%d}）"
        if imp.status == PersonnelImport.Status.APPLIED and imp.applied_at:
            late = (_jst_date(imp.applied_at) - imp.effective_date).days
            if late > 0:
                c.fail(
                    label,
                    f"{_jst_date(imp.applied_at):%Y/%m/%d} 反映（{late}日遅れ）",
                    _import_url(imp.pk),
                )
            else:
                c.ok()
        elif imp.status in NOT_APPLIED and imp.effective_date < today:
            c.fail(label, f"未反映（{imp.get_status_display()}）", _import_url(imp.pk))
        elif imp.status in NOT_APPLIED:
            c.excluded.append((f"人事異動取込 #{imp.pk}", "発令日前"))


def _deactivated_at(history_rows) -> datetime | None:
    """When the account went inactive for the last time (None while it is active)."""
    at = None
    for row in history_rows:  # oldest first
        if row.is_active:
            at = None
        elif at is None:
            at = row.history_date
    return at


def _leavers(c: Checks, first: date, last: date, today: date, grace: int, p: dict) -> None:
    ended = (
        Assignment.objects.filter(valid_to__gte=first, valid_to__lte=last)
        .values_list("user_id", flat=True)
        .distinct()
    )
    user_ids = set(ended)
    if not user_ids:
        return
    postings = defaultdict(list)
    for a in Assignment.objects.filter(user_id__in=user_ids):
        postings[a.user_id].append(a)
    history = defaultdict(list)
    for h in User.history.filter(id__in=user_ids).order_by("history_date", "history_id"):
        history[h.id].append(h)
    for user in User.objects.filter(pk__in=user_ids).order_by("employee_number"):
        mine = postings[user.pk]
        if any(a.valid_to is None for a in mine):
            continue
        leaving = max(a.valid_to for a in mine)
        if not (first <= leaving <= last) or _exempt(user, p):
            continue
        label = f"職員 {user.employee_number}（最終所属の終了 {leaving:%Y/%m/%d}）"
        if leaving >= today:
            c.excluded.append((f"職員 {user.employee_number}", "退職日前"))
            continue
        if user.is_active:
            c.fail(label, "有効のまま", _user_url(user.pk), "退職・転出後もアカウントが有効")
            continue
        at = _deactivated_at(history[user.pk])
        if at is None:
            c.ok()  # inactive, but not by a recorded change: nothing to say when
            continue
        late = (_jst_date(at) - leaving).days - grace
        if late > 0:
            c.fail(label, f"{_jst_date(at):%Y/%m/%d} 無効化（{late}日遅れ）", _user_url(user.pk))
        else:
            c.ok()


def _active_users(day: date, p: dict):
    users = [
        u
        for u in User.objects.filter(is_active=True)
        .prefetch_related("groups")
        .order_by("employee_number")
        if not _exempt(u, p)
    ]
    current = defaultdict(list)
    for a in Assignment.objects.filter(valid_on(day)).select_related("org_unit"):
        current[a.user_id].append(a)
    return users, current


def _without_posting(c: Checks, day: date, p: dict) -> None:
    users, current = _active_users(day, p)
    for u in users:
        if current.get(u.pk):
            c.ok()
        else:
            c.fail(
                f"職員 {u.employee_number}（{day:%Y/%m/%d} 時点）",
                "所属なしで有効",
                _user_url(u.pk),
                "現在の所属がない有効なアカウント",
            )


@rule("users_current", "利用者管理の最新化（異動・退職の反映）")
def compute_users_current(item, start: datetime, end: datetime) -> Outcome:
    """rule_params: grace_days (default 0), exempt_superusers (default true),
    exempt_employee_numbers (e.g. system accounts)."""
    at = _now()
    stop_at = effective_end(start, end, at)
    if stop_at is None:
        return not_started()
    p = params(item)
    grace = int(p.get("grace_days", 0))
    first, last, today = first_day(start), last_day(stop_at), now_jst().date()
    c = Checks()
    _postings_on_time(c, first, last, grace)
    _imports_on_time(c, first, last, today)
    _leavers(c, first, last, today, grace, p)
    _without_posting(c, _check_day(stop_at), p)
    return rate_outcome(
        item,
        counted=c.counted,
        met=c.met,
        rows=c.rows,
        excluded=c.excluded,
        what="利用者",
        detail=(
            "発令日までの所属の登録、発令日までの人事異動取込の反映、退職日までのアカウント無効化、"
            "期間末時点で所属のない有効アカウントがないことを1件ずつ確認し、問題のなかった割合を示した。"
        ),
    )


# --- #26 -----------------------------------------------------------------------------------


def _role_changes(c: Checks, first: date, last: date) -> None:
    imports = PersonnelImport.objects.filter(
        status=PersonnelImport.Status.APPLIED,
        effective_date__gte=first,
        effective_date__lte=last,
        applied_at__isnull=False,
    ).order_by("effective_date", "pk")
    for imp in imports:
        changes = [
            s
            for s in (imp.preview or {}).get("staff", [])
            if s.get("roles") is not None
            and not s.get("noop")
            and sorted(s.get("roles") or []) != sorted(s.get("old_roles") or [])
        ]
        if not changes:
            continue
        numbers = [s["employee_number"] for s in changes]
        users = {
            u.employee_number: u
            for u in User.objects.filter(employee_number__in=numbers).prefetch_related("groups")
        }
        later = set(
            User.history.filter(
                id__in=[u.pk for u in users.values()], history_date__gt=imp.applied_at
            )
            .exclude(history_change_reason=f"人事異動取込 #{imp.pk}")
            .values_list("id", flat=True)
        )
        late = (_jst_date(imp.applied_at) - imp.effective_date).days
        for s in changes:
            u = users.get(s["employee_number"])
            label = f"職員 {s['employee_number']} 権限変更（取込 #{imp.pk}、発令日 {imp.effective_date:%Y/%m/%d}）"
            if u is None:
                c.fail(label, "職員が見つからない", _import_url(imp.pk))
                continue
            held = sorted(g.name for g in u.groups.all())
            if held != sorted(s["roles"]) and u.pk not in later:
                c.fail(label, "権限が取込の内容と異なる", _user_url(u.pk))
            elif late > 0:
                c.fail(label, f"{late}日遅れて反映", _import_url(imp.pk))
            else:
                c.ok()


def _roles_fit_postings(c: Checks, day: date, p: dict) -> None:
    users, current = _active_users(day, p)
    for u in users:
        codes = {g.name for g in u.groups.all()}
        kinds = {a.org_unit.kind for a in current.get(u.pk, [])}
        problem = ""
        if codes & roles.VENDOR_ROLES and kinds and OrgUnit.Kind.VENDOR not in kinds:
            problem = "事業者の権限だが市の所属"
        elif codes & roles.CASE_ROLES and OrgUnit.Kind.VENDOR in kinds and len(kinds) == 1:
            problem = "ケース記録の権限だが事業者の所属"
        if problem:
            c.fail(
                f"職員 {u.employee_number}（{day:%Y/%m/%d} 時点）",
                "、".join(roles.role_label(x) for x in sorted(codes)),
                _user_url(u.pk),
                problem,
            )
        else:
            c.ok()


@rule("permissions_current", "操作権限レベルの管理の最新化")
def compute_permissions_current(item, start: datetime, end: datetime) -> Outcome:
    at = _now()
    stop_at = effective_end(start, end, at)
    if stop_at is None:
        return not_started()
    p = params(item)
    first, last = first_day(start), last_day(stop_at)
    c = Checks()
    _role_changes(c, first, last)
    _roles_fit_postings(c, _check_day(stop_at), p)
    return rate_outcome(
        item,
        counted=c.counted,
        met=c.met,
        rows=c.rows,
        excluded=c.excluded,
        what="利用者の権限",
        detail=(
            "期間内に発令日を迎えた人事異動取込の権限変更が発令日までに反映され今も保持されていること、"
            "期間末時点の有効アカウントの権限が所属と矛盾しないことを1件ずつ確認した割合。"
        ),
    )
