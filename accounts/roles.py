"""Roles are Django groups; their codes are stable, their labels translated."""

from django.utils.translation import gettext_lazy as _

CASEWORKER = "caseworker"
SUPERVISOR = "supervisor"
CENTER_DIRECTOR = "center_director"
PROTECTION_STAFF = "protection_staff"
WARD_STAFF = "ward_staff"
CITY_ADMIN = "city_admin"
VENDOR_OPERATOR = "vendor_operator"
VENDOR_MANAGER = "vendor_manager"
MEETING_ATTENDEE = "meeting_attendee"

# In priority order: a user with several roles lands on the first one's home.
ROLES = {
    CITY_ADMIN: _("システム管理者（市）"),
    CENTER_DIRECTOR: _("所長"),
    SUPERVISOR: _("スーパーバイザー・係長"),
    CASEWORKER: _("児童福祉司・児童心理司"),
    PROTECTION_STAFF: _("一時保護所職員"),
    WARD_STAFF: _("区役所職員"),
    VENDOR_MANAGER: _("運用保守責任者（事業者）"),
    VENDOR_OPERATOR: _("運用保守担当（事業者）"),
    MEETING_ATTENDEE: _("定例報告会議出席者"),
}

CASE_ROLES = frozenset({CASEWORKER, SUPERVISOR, CENTER_DIRECTOR, PROTECTION_STAFF, WARD_STAFF})
VENDOR_ROLES = frozenset({VENDOR_OPERATOR, VENDOR_MANAGER})


def role_label(code: str) -> str:
    return str(ROLES.get(code, code))


def primary_role(codes) -> str | None:
    for code in ROLES:
        if code in codes:
            return code
    return None
