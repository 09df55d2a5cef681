"""The 変更履歴 tab: history rows of a case and everything it owns, newest first."""

from itertools import chain

from cases.models import (
    AbuseReport,
    CaseAssignment,
    Consultation,
    Diagnosis,
    Measure,
    Meeting,
    ProgressNote,
    Protection,
    SafetyCheck,
)

OWNED = [CaseAssignment, Meeting, Diagnosis, Measure, Protection, ProgressNote, AbuseReport]
SKIP_FIELDS = {"version", "search_name", "search_kana"}


def _diff(record) -> list[tuple[str, str, str]]:
    previous = record.prev_record
    if previous is None:
        return []
    delta = record.diff_against(previous)
    model = record.instance_type
    rows = []
    for change in delta.changes:
        if change.field in SKIP_FIELDS:
            continue
        try:
            label = str(model._meta.get_field(change.field).verbose_name)
        except Exception:  # a field that no longer exists on the model
            label = change.field
        rows.append(
            (
                label,
                "" if change.old is None else str(change.old)[:200],
                "" if change.new is None else str(change.new)[:200],
            )
        )
    return rows


def case_history_rows(consultation: Consultation, limit: int = 300) -> list[dict]:
    querysets = [Consultation.history.filter(id=consultation.pk)]
    querysets += [m.history.filter(consultation_id=consultation.pk) for m in OWNED]
    report_ids = list(
        AbuseReport.objects.filter(consultation=consultation).values_list("pk", flat=True)
    )
    querysets.append(SafetyCheck.history.filter(report_id__in=report_ids))
    records = sorted(
        chain.from_iterable(
            qs.select_related("history_user").order_by("-history_date")[:limit] for qs in querysets
        ),
        key=lambda r: r.history_date,
        reverse=True,
    )[:limit]
    kinds = {"+": "作成", "~": "変更", "-": "削除"}
    return [
        {
            "at": r.history_date,
            "user": r.history_user,
            "what": r.instance_type._meta.verbose_name,
            "kind": kinds.get(r.history_type, r.history_type),
            "reason": r.history_change_reason or "",
            "changes": _diff(r) if r.history_type == "~" else [],
        }
        for r in records
    ]
