from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from accounts import roles
from accounts.models import Assignment, OrgUnit, User
from core.timeutil import now_jst


def _today() -> date:
    return now_jst().date()


def valid_on(on: date) -> Q:
    return Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))


def current_assignments(*, user, on: date | None = None) -> QuerySet[Assignment]:
    on = on or _today()
    return (
        Assignment.objects.filter(valid_on(on), user=user)
        .select_related("org_unit", "org_unit__parent")
        .order_by("-valid_from")
    )


def assignment_history(*, user) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(user=user)
        .select_related("org_unit", "org_unit__parent")
        .order_by("-valid_from", "-pk")
    )


def units_on(*, on: date | None = None) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(valid_on(on or _today())).select_related("parent")


def unit_by_code(*, code: str, on: date | None = None) -> OrgUnit | None:
    return units_on(on=on).filter(code=code).first()


@dataclass(frozen=True)
class OrgTree:
    """The organisation as it stood on one day.

    A unit whose parent version has since been renamed or merged hangs under the
    parent's successor, so a reorganisation never needs to re-version every child.
    """

    on: date
    units: dict[int, OrgUnit]
    parent_of: dict[int, int | None]

    def children_of(self, unit_id: int) -> list[int]:
        return [u for u, p in self.parent_of.items() if p == unit_id]

    def subtree(self, unit_id: int) -> set[int]:
        found, todo = set(), [unit_id]
        while todo:
            current = todo.pop()
            if current in found:
                continue
            found.add(current)
            todo.extend(self.children_of(current))
        return found

    def ancestors(self, unit_id: int) -> list[int]:
        chain, seen = [], set()
        parent = self.parent_of.get(unit_id)
        while parent is not None and parent not in seen:
            seen.add(parent)
            chain.append(parent)
            parent = self.parent_of.get(parent)
        return chain

    def path_name(self, unit_id: int) -> str:
        names = [self.units[u].name for u in reversed(self.ancestors(unit_id)) if u in self.units]
        return " ＞ ".join([*names, self.units[unit_id].name])


def org_tree(*, on: date | None = None) -> OrgTree:
    on = on or _today()
    all_units = {u.pk: u for u in OrgUnit.objects.all()}
    valid = {
        pk: u
        for pk, u in all_units.items()
        if u.valid_from <= on and (u.valid_to is None or u.valid_to >= on)
    }

    def resolve(parent_id):
        seen = set()
        while parent_id is not None and parent_id not in valid and parent_id not in seen:
            seen.add(parent_id)
            parent_id = all_units[parent_id].successor_id if parent_id in all_units else None
        return parent_id if parent_id in valid else None

    parent_of = {pk: resolve(u.parent_id) for pk, u in valid.items()}
    return OrgTree(on=on, units=valid, parent_of=parent_of)


SUPERVISING_ROLES = frozenset({roles.SUPERVISOR, roles.CENTER_DIRECTOR})


def supervised_unit_ids(*, user, on: date | None = None, tree: OrgTree | None = None) -> set[int]:
    """Units whose cases this user oversees: the subtree of each unit they are
    posted to, if they hold a supervising role (SV/係長 line or centre director)."""
    if not user.is_active or not (user.role_codes & SUPERVISING_ROLES):
        return set()
    on = on or _today()
    tree = tree or org_tree(on=on)
    found: set[int] = set()
    for unit_id in Assignment.objects.filter(valid_on(on), user=user).values_list(
        "org_unit_id", flat=True
    ):
        if unit_id in tree.units:
            found |= tree.subtree(unit_id)
    return found


def member_unit_ids(*, user, on: date | None = None) -> set[int]:
    on = on or _today()
    return set(
        Assignment.objects.filter(valid_on(on), user=user).values_list("org_unit_id", flat=True)
    )


def supervisors_of_unit(
    *, unit_id: int, on: date | None = None, tree: OrgTree | None = None
) -> QuerySet[User]:
    """Active users with a supervising role posted to this unit or one above it."""
    on = on or _today()
    tree = tree or org_tree(on=on)
    line = [unit_id, *tree.ancestors(unit_id)]
    return (
        User.objects.filter(
            is_active=True,
            groups__name__in=SUPERVISING_ROLES,
            assignments__in=Assignment.objects.filter(valid_on(on), org_unit_id__in=line),
        )
        .distinct()
        .order_by("employee_number")
    )


def deactivated_users(*, since: date) -> QuerySet[User]:
    """Leavers and staff on leave since a date (their open work needs reassigning)."""
    return (
        User.objects.filter(is_active=False, history__history_date__date__gte=since)
        .distinct()
        .order_by("employee_number")
    )


def vendor_staff_emails() -> list[str]:
    """Addresses of the active vendor staff, for the back office's warning mails."""
    return sorted(
        set(
            User.objects.filter(is_active=True, groups__name__in=roles.VENDOR_ROLES)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )
