"""定例報告会議 報告書: lists and the one access function for a report."""

from django.db.models import QuerySet
from django.http import Http404

from accounts import roles
from accounts.access import user_has_role
from core.profiles import current_profile
from reports.models.pack import FILE_FIELDS, MonthlyReport

MANAGE_ROLES = (*roles.VENDOR_ROLES, roles.CITY_ADMIN)
READ_ROLES = (*MANAGE_ROLES, roles.MEETING_ATTENDEE)


def may_manage(user) -> bool:
    """Vendor staff build the report; the city's system administrator may too."""
    return user_has_role(user, *MANAGE_ROLES)


def monthly_reports_for_user(user) -> QuerySet[MonthlyReport]:
    """Reports the user may see, newest month first, without the file contents.
    Attendees see issued reports only; jobs and failures are the vendor's business."""
    qs = MonthlyReport.objects.select_related("requested_by").defer(*FILE_FIELDS)
    if not user_has_role(user, *READ_ROLES):
        return qs.none()
    if not may_manage(user):
        qs = qs.filter(status=MonthlyReport.Status.DONE)
    return qs.order_by("-month", "-revision", "-pk")


def get_monthly_report_for_user(user, pk: int, *, with_files: bool = False) -> MonthlyReport:
    qs = monthly_reports_for_user(user)
    if with_files:
        qs = qs.defer(None).select_related("requested_by")
    report = qs.filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


def revisions_of(report: MonthlyReport) -> QuerySet[MonthlyReport]:
    return (
        MonthlyReport.objects.filter(
            profile=report.profile, month=report.month, status=MonthlyReport.Status.DONE
        )
        .select_related("requested_by")
        .defer(*FILE_FIELDS)
        .order_by("-revision")
    )


def latest_issued(user, *, month) -> MonthlyReport | None:
    """The newest issued revision of the month (this contract) the user may see."""
    return (
        monthly_reports_for_user(user)
        .filter(profile=current_profile().code, month=month, status=MonthlyReport.Status.DONE)
        .first()
    )
