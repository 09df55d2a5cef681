"""データ抽出依頼: who may see, ask, approve, run and download; the lists.

- Requesters: city staff who oversee cases (supervisors, centre directors) and city
  admins; never anyone holding a vendor role. Each sees their own requests.
- City admins see every request and approve or reject other people's requests.
- Vendor staff see every request without its contents (no parameters, purpose, columns
  or file) and press 実行.
- Downloads: the requester or a city admin, never vendor staff, and only while the
  downloader may still read every case in the file (the owning app's access rule, through
  the definition's ``unreadable``): a pure city admin therefore never gets case data.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from accounts import roles
from accounts.access import is_vendor, user_has_role
from core import extracts
from ops.models import ExtractionRequest

REQUESTER_ROLES = frozenset({roles.CITY_ADMIN, roles.SUPERVISOR, roles.CENTER_DIRECTOR})
PAGE_ROLES = REQUESTER_ROLES | roles.VENDOR_ROLES


def can_use(user) -> bool:
    return user_has_role(user, *PAGE_ROLES)


def can_request(user) -> bool:
    return bool(user.is_active and not is_vendor(user) and user_has_role(user, *REQUESTER_ROLES))


def can_approve(user) -> bool:
    return bool(user.is_active and not is_vendor(user) and user_has_role(user, roles.CITY_ADMIN))


def can_run(user) -> bool:
    return bool(user.is_active and user_has_role(user, *roles.VENDOR_ROLES))


def sees_all(user) -> bool:
    return can_approve(user) or can_run(user)


def sees_contents(user, extraction: ExtractionRequest) -> bool:
    """Parameters, purpose and columns: the requester and city admins, never vendors."""
    if is_vendor(user):
        return False
    return extraction.requested_by_id == user.pk or can_approve(user)


def requests_for(user) -> QuerySet[ExtractionRequest]:
    qs = ExtractionRequest.objects.select_related("requested_by", "decided_by", "run_by")
    if not can_use(user):
        return qs.none()
    if sees_all(user):
        return qs
    return qs.filter(requested_by=user)


def get_request_for_user(user, pk) -> ExtractionRequest:
    if not can_use(user):
        raise PermissionDenied
    extraction = requests_for(user).filter(pk=pk).first()
    if extraction is None:
        if ExtractionRequest.objects.filter(pk=pk).exists():
            raise PermissionDenied
        raise Http404
    return extraction


@dataclass(frozen=True)
class DownloadCheck:
    allowed: bool
    reason: str = ""


def download_check(user, extraction: ExtractionRequest) -> DownloadCheck:
    """Whether this user may download the file now, and if not, why (in Japanese)."""
    if is_vendor(user):
        return DownloadCheck(
            False, "事業者の職員は抽出結果（相談の内容）をダウンロードできません。"
        )
    if not (extraction.requested_by_id == user.pk or can_approve(user)):
        return DownloadCheck(False, "抽出結果をダウンロードできるのは依頼者と市の管理者だけです。")
    if extraction.status == ExtractionRequest.Status.EXPIRED:
        return DownloadCheck(False, "ダウンロード期限を過ぎたため、ファイルは削除されました。")
    if extraction.status != ExtractionRequest.Status.SUCCEEDED or not extraction.file:
        return DownloadCheck(False, "この依頼にはダウンロードできるファイルがありません。")
    if not extraction.object_ids:
        return DownloadCheck(True)
    try:
        definition = extracts.get(extraction.definition_code)
    except extracts.UnknownDefinition:
        return DownloadCheck(False, "抽出定義が登録されていないため、閲覧権限を確認できません。")
    if definition.unreadable is None:
        return DownloadCheck(True)
    refused = definition.unreadable(user=user, object_ids=extraction.object_ids)
    if refused:
        listed = "、".join(refused[:5]) + (f" ほか{len(refused) - 5}件" if len(refused) > 5 else "")
        label = definition.object_label or "対象"
        return DownloadCheck(
            False,
            f"このファイルには、あなたが現在閲覧できない{label}（{listed}）が含まれるため"
            "ダウンロードできません。",
        )
    return DownloadCheck(True)


def definitions_for(user) -> list[dict]:
    """The registered definitions with the columns this user's roles may see."""
    codes = user.role_codes
    return [
        {
            "definition": d,
            "visible": d.columns_visible_to(codes),
            "hidden": [c for c in d.columns if not c.visible_to(codes)],
        }
        for d in extracts.all_definitions()
    ]


def due_for_expiry(now) -> QuerySet[ExtractionRequest]:
    return ExtractionRequest.objects.filter(
        status=ExtractionRequest.Status.SUCCEEDED, expires_at__lte=now
    )


def _plain(value) -> str:
    from datetime import date, datetime

    from core.timeutil import to_jst

    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return f"{to_jst(value):%Y/%m/%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%Y/%m/%d}"
    return str(value)


def parameter_rows(extraction: ExtractionRequest) -> list[tuple[str, str]]:
    """The request's conditions as (label, text) in the definition's order. Only for
    people who may see the contents (``sees_contents``)."""
    try:
        definition = extracts.get(extraction.definition_code)
    except extracts.UnknownDefinition:
        return [(k, _plain(v)) for k, v in sorted(extraction.parameters.items())]
    typed = definition.typed_params(extraction.parameters)
    rows = []
    for p in definition.parameters:
        value = typed.get(p.name)
        if isinstance(value, list):
            text = "、".join(value)
        elif isinstance(value, bool):
            text = "はい" if value else "いいえ"
        elif p.kind in (extracts.ParamKind.CODE, extracts.ParamKind.CHOICE) and value:
            text = dict(p.choice_list()).get(value, value)
        else:
            text = _plain(value)
        rows.append((p.label, text or "（指定なし）"))
    return rows


def column_labels(extraction: ExtractionRequest) -> list[str]:
    try:
        definition = extracts.get(extraction.definition_code)
    except extracts.UnknownDefinition:
        return list(extraction.columns)
    labels = {c.key: c.label for c in definition.columns}
    return [labels.get(k, k) for k in extraction.columns]
