from django.contrib.auth.models import Group, Permission
from django.db import transaction

from accounts import roles

# What each role may do in Django admin; per-object rules live in each app's access.py.
ADMIN_APPS = ("accounts", "auth", "django_celery_beat", "axes", "core")
READ_ONLY_ADMIN_APPS = ("backups", "reports")
# Single models of other apps the city admin edits in admin (app label, model name).
EDITABLE_ADMIN_MODELS = (("reports", "functionname"),)


@transaction.atomic
def roles_sync() -> list[Group]:
    """Create the role groups and give the city admin role its admin permissions.

    Idempotent; called after every migrate and by seed_demo.
    """
    groups = []
    for code in roles.ROLES:
        group, _ = Group.objects.get_or_create(name=code)
        groups.append(group)
    city_admin = Group.objects.get(name=roles.CITY_ADMIN)
    perms = Permission.objects.filter(content_type__app_label__in=ADMIN_APPS)
    city_admin.permissions.add(*perms)
    # Ledgers the city reads in admin but changes only through their own screens.
    city_admin.permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=READ_ONLY_ADMIN_APPS, codename__startswith="view_"
        )
    )
    for app_label, model in EDITABLE_ADMIN_MODELS:
        city_admin.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, content_type__model=model)
        )
    return groups


@transaction.atomic
def user_transfer(
    *,
    user,
    kind: str,
    issued_on,
    actor,
    unit_code: str = "",
    position: str = "",
    job_type: str = "",
    roles: list[str] | None = None,
):
    """One person's transfer from a screen: the same checks and writes as a
    one-row personnel import, so both paths can never disagree."""
    from django.core.exceptions import ValidationError

    from accounts.personnel_import.apply import apply_plan
    from accounts.personnel_import.plan import build_plan
    from accounts.personnel_import.reader import ParsedWorkbook, SheetRows
    from core.timeutil import now_jst

    row = {
        "_row": 1,
        "職員番号": user.employee_number,
        "異動区分": kind,
        "発令日": issued_on,
        "所属コード": unit_code,
        "役職": position,
        "職種": job_type,
        "権限": "、".join(roles) if roles is not None else None,
    }
    parsed = ParsedWorkbook(
        staff=SheetRows(name="画面入力", kind="staff", header_row=0, rows=[row]), org=None
    )
    plan = build_plan(parsed, today=now_jst().date())
    if plan.problems:
        raise ValidationError([p.message for p in plan.problems])
    return apply_plan(plan, actor=actor, reason="管理サイト（個別異動）")
