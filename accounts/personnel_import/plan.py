"""Turn the rows of a personnel-transfer workbook into a checked plan.

Nothing here writes: ``build_plan`` reads the current staff and organisation
once, checks every row against them (and against the other rows), and returns
either problems (sheet, row, column, Japanese message) or the list of changes
the preview shows and ``apply.apply_plan`` carries out.
"""

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation

from accounts import hooks, roles
from accounts.models import Assignment, OrgUnit, User, employee_number_validator
from accounts.personnel_import import normalize
from accounts.personnel_import.reader import ParsedWorkbook, Problem
from accounts.selectors import org_tree, valid_on

STAFF_SHEET = "職員"
ORG_SHEET = "組織"

NEW, TRANSFER, RETIRE, LEAVE, RETURN = "新規", "異動", "退職", "休職", "復職"
STAFF_KINDS = (NEW, TRANSFER, RETIRE, LEAVE, RETURN)
CREATE, RENAME, MERGE, ABOLISH = "新設", "名称変更", "統合", "廃止"
ORG_KINDS = (CREATE, RENAME, MERGE, ABOLISH)
# The file's 種別 column is always Japanese, whatever the UI language.
UNIT_KINDS = {
    "児童相談所": OrgUnit.Kind.CENTER,
    "一時保護所": OrgUnit.Kind.PROTECTION,
    "区役所": OrgUnit.Kind.WARD,
    "本庁": OrgUnit.Kind.HQ,
    "委託事業者": OrgUnit.Kind.VENDOR,
}


def role_by_text() -> dict[str, str]:
    """Role codes by what a city file may say: the code or its Japanese label."""
    with translation.override("ja"):
        found = {normalize.text(str(label)): code for code, label in roles.ROLES.items()}
    return {**found, **{code: code for code in roles.ROLES}}


ROLE_SEPARATORS = ("、", ",", "，", "/", "／", ";", "；", "\n")


@dataclass
class StaffChange:
    row: int
    kind: str
    employee_number: str
    issued_on: date
    effective_date: date
    name: str = ""
    kana: str = ""
    email: str = ""
    unit_code: str = ""
    position: str = ""
    job_type: str = ""
    roles: list[str] | None = None
    user_id: int | None = None
    from_unit: str = ""
    to_unit: str = ""
    old_roles: list[str] = field(default_factory=list)
    noop: bool = False


@dataclass
class OrgChange:
    row: int
    kind: str
    code: str
    issued_on: date
    name: str = ""
    unit_kind: str = ""
    parent_code: str = ""
    successor_code: str = ""
    unit_id: int | None = None
    old_name: str = ""
    successor_name: str = ""
    members_moved: int = 0


@dataclass
class Plan:
    staff: list[StaffChange] = field(default_factory=list)
    org: list[OrgChange] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    effective_date: date | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, int]:
        counts = {kind: 0 for kind in (*STAFF_KINDS, *ORG_KINDS)}
        for change in self.staff:
            if not change.noop:
                counts[change.kind] += 1
        for change in self.org:
            counts[change.kind] += 1
        counts["権限変更"] = sum(
            1
            for c in self.staff
            if c.roles is not None and c.kind != NEW and sorted(c.roles) != sorted(c.old_roles)
        )
        counts["変更なし"] = sum(1 for c in self.staff if c.noop)
        return counts

    def to_preview(self) -> dict:
        labels = {code: str(label) for code, label in roles.ROLES.items()}

        def staff(c: StaffChange) -> dict:
            row = _jsonable(asdict(c))
            row["role_labels"] = [labels[r] for r in c.roles] if c.roles is not None else None
            row["old_role_labels"] = [labels.get(r, r) for r in c.old_roles]
            return row

        return {
            "effective_date": self.effective_date.isoformat() if self.effective_date else None,
            # A list, not a dict: jsonb does not keep key order.
            "counts": list(self.counts().items()),
            "notes": self.notes,
            "staff": [staff(c) for c in self.staff],
            "org": [_jsonable(asdict(c)) for c in self.org],
        }


def _jsonable(d: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in d.items()}


class _Rows:
    """Collects problems for one sheet while reading its cells."""

    def __init__(self, plan: Plan, sheet: str):
        self.plan, self.sheet = plan, sheet

    def problem(self, row: int | None, column: str | None, message: str) -> None:
        self.plan.problems.append(Problem(self.sheet, row, column, message))

    def date(self, raw: dict, column: str) -> date | None:
        value = raw.get(column)
        if value in (None, ""):
            self.problem(raw["_row"], column, f"{column}を入力してください。")
            return None
        try:
            return normalize.parse_date(value)
        except ValueError as exc:
            self.problem(raw["_row"], column, str(exc))
            return None


def parse_roles(value) -> list[str] | None:
    text = normalize.text(value)
    if not text:
        return None
    for sep in ROLE_SEPARATORS:
        text = text.replace(sep, "|")
    return [part.strip() for part in text.split("|") if part.strip()]


def build_plan(parsed: ParsedWorkbook, *, today: date) -> Plan:
    plan = Plan(problems=list(parsed.problems))
    users = {u.employee_number: u for u in User.objects.prefetch_related("groups")}
    unit_codes = _org_rows(plan, parsed, today=today)
    _staff_rows(plan, parsed, users=users, unit_codes=unit_codes, today=today)
    plan.effective_date = max(
        [c.effective_date for c in plan.staff] + [c.issued_on for c in plan.org] + [today]
    )
    _check_abolished_units(plan)
    if not plan.problems:
        _check_supervision(
            plan, users=users, sheet=parsed.staff.name if parsed.staff else STAFF_SHEET
        )
        dates = sorted({c.effective_date for c in plan.staff} | {c.issued_on for c in plan.org})
        if len(dates) > 1:
            plan.notes.append(
                f"発令日が複数あります（{dates[0]:%Y/%m/%d}〜{dates[-1]:%Y/%m/%d}）。"
                f"全行を {dates[-1]:%Y/%m/%d} に反映し、所属の履歴は各行の発令日で記録します。"
            )
    return plan


def normalize_date_safe(value) -> date | None:
    try:
        return normalize.parse_date(value)
    except (ValueError, TypeError):
        return None


# --- organisation sheet -------------------------------------------------------------


def _org_rows(plan: Plan, parsed: ParsedWorkbook, *, today: date) -> dict[str, str]:
    """Check org changes; return the unit codes (→ name) usable by staff rows."""
    dates = [normalize_date_safe(r.get("発令日")) for r in (parsed.org.rows if parsed.org else [])]
    on = max([d for d in dates if d] + [today])
    current = {u.code: u for u in OrgUnit.objects.filter(valid_on(on))}
    # A unit closed by this very file may still be current on `on` in the DB
    # if its 発令日 is later; codes are judged against the end state.
    codes = {code: unit.name for code, unit in current.items()}
    if not parsed.org:
        return codes
    rows = _Rows(plan, parsed.org.name)
    seen: dict[str, int] = {}
    pending_successors: list[tuple[OrgChange, dict]] = []
    for raw in parsed.org.rows:
        row = raw["_row"]
        code = normalize.code(raw.get("組織コード"))
        kind = normalize.text(raw.get("変更区分"))
        issued = rows.date(raw, "発令日")
        if not code:
            rows.problem(row, "組織コード", "組織コードを入力してください。")
            continue
        if code in seen:
            rows.problem(
                row, "組織コード", f"組織コード {code} が {seen[code]}行目と重複しています。"
            )
            continue
        seen[code] = row
        if kind not in ORG_KINDS:
            rows.problem(
                row,
                "変更区分",
                f"変更区分は {'・'.join(ORG_KINDS)} のいずれかを入力してください（「{kind}」）。",
            )
            continue
        if issued is None:
            continue
        change = OrgChange(row=row, kind=kind, code=code, issued_on=issued)
        change.name = normalize.text(raw.get("名称"))
        change.parent_code = normalize.code(raw.get("上位組織コード"))
        change.successor_code = normalize.code(raw.get("統合先コード"))
        unit_kind_text = normalize.text(raw.get("種別"))
        existing = current.get(code)
        if kind == CREATE:
            if existing:
                rows.problem(
                    row,
                    "組織コード",
                    f"組織コード {code}（{existing.name}）は既に存在します。名称変更として記入してください。",
                )
                continue
            if not change.name:
                rows.problem(row, "名称", "新設する組織の名称を入力してください。")
            if unit_kind_text not in UNIT_KINDS:
                rows.problem(
                    row, "種別", f"種別は {'・'.join(UNIT_KINDS)} のいずれかを入力してください。"
                )
            else:
                change.unit_kind = UNIT_KINDS[unit_kind_text]
            codes[code] = change.name
        else:
            if not existing:
                rows.problem(
                    row,
                    "組織コード",
                    f"組織コード {code} の組織は {issued:%Y/%m/%d} 時点で存在しません。",
                )
                continue
            change.unit_id, change.old_name = existing.pk, existing.name
            if kind == RENAME:
                if not change.name:
                    rows.problem(row, "名称", "新しい名称を入力してください。")
                if unit_kind_text:
                    if unit_kind_text not in UNIT_KINDS:
                        rows.problem(
                            row,
                            "種別",
                            f"種別は {'・'.join(UNIT_KINDS)} のいずれかを入力してください。",
                        )
                    else:
                        change.unit_kind = UNIT_KINDS[unit_kind_text]
                codes[code] = change.name or existing.name
            elif kind == MERGE:
                if not change.successor_code:
                    rows.problem(row, "統合先コード", "統合先の組織コードを入力してください。")
                elif change.successor_code == code:
                    rows.problem(row, "統合先コード", "統合先に自分自身は指定できません。")
                else:
                    pending_successors.append((change, raw))
                codes.pop(code, None)
            elif kind == ABOLISH:
                codes.pop(code, None)
        plan.org.append(change)
    for change, raw in pending_successors:
        change.successor_name = codes.get(change.successor_code, "")
        if change.successor_code not in codes:
            rows.problem(
                raw["_row"],
                "統合先コード",
                f"統合先の組織コード {change.successor_code} が見つかりません。",
            )
    for change in plan.org:
        if change.parent_code and change.parent_code not in codes:
            rows.problem(
                change.row,
                "上位組織コード",
                f"上位組織コード {change.parent_code} が見つかりません。",
            )
    return codes


# --- staff sheet -------------------------------------------------------------------


def _staff_rows(
    plan: Plan, parsed: ParsedWorkbook, *, users: dict, unit_codes: dict, today: date
) -> None:
    if not parsed.staff:
        return
    rows = _Rows(plan, parsed.staff.name)
    seen: dict[str, int] = {}
    current_units = _current_unit_by_user()
    for raw in parsed.staff.rows:
        row = raw["_row"]
        number = normalize.code(raw.get("職員番号"))
        kind = normalize.text(raw.get("異動区分"))
        issued = rows.date(raw, "発令日")
        if not number:
            rows.problem(row, "職員番号", "職員番号を入力してください。")
            continue
        try:
            employee_number_validator(number)
        except ValidationError:
            rows.problem(
                row, "職員番号", f"職員番号「{number}」は半角英数字4〜20文字で入力してください。"
            )
            continue
        if number in seen:
            rows.problem(
                row, "職員番号", f"職員番号 {number} が {seen[number]}行目と重複しています。"
            )
            continue
        seen[number] = row
        if kind not in STAFF_KINDS:
            rows.problem(
                row,
                "異動区分",
                f"異動区分は {'・'.join(STAFF_KINDS)} のいずれかを入力してください（「{kind}」）。",
            )
            continue
        if issued is None:
            continue
        # 退職の発令日は最終在職日: the account closes at the end of that day.
        effective = issued + timedelta(days=1) if kind == RETIRE else issued
        change = StaffChange(
            row=row, kind=kind, employee_number=number, issued_on=issued, effective_date=effective
        )
        change.name = normalize.text(raw.get("氏名"))
        change.kana = normalize.kana(raw.get("フリガナ"))
        change.email = normalize.email(raw.get("メール"))
        change.unit_code = normalize.code(raw.get("所属コード"))
        change.position = normalize.text(raw.get("役職"))
        change.job_type = normalize.text(raw.get("職種"))
        role_texts = parse_roles(raw.get("権限"))
        if role_texts is not None:
            ROLE_BY_TEXT = role_by_text()
            unknown = [r for r in role_texts if r not in ROLE_BY_TEXT]
            if unknown:
                rows.problem(
                    row,
                    "権限",
                    f"権限「{'、'.join(unknown)}」は登録されていません。記入方法シートの一覧から選んでください。",
                )
            change.roles = sorted({ROLE_BY_TEXT[r] for r in role_texts if r in ROLE_BY_TEXT})
            if set(change.roles) & roles.VENDOR_ROLES and set(change.roles) & roles.CASE_ROLES:
                rows.problem(
                    row, "権限", "委託事業者の権限と相談業務の権限は同時に付与できません。"
                )
        if change.email:
            try:
                validate_email(change.email)
            except ValidationError:
                rows.problem(
                    row, "メール", f"メールアドレス「{change.email}」の形式が正しくありません。"
                )
        if change.kana and not normalize.is_katakana(change.kana):
            rows.problem(row, "フリガナ", "フリガナはカタカナで入力してください。")
        if change.unit_code and change.unit_code not in unit_codes:
            rows.problem(
                row,
                "所属コード",
                f"所属コード {change.unit_code} の組織が見つかりません（廃止・統合された組織を含む）。",
            )
        change.to_unit = unit_codes.get(change.unit_code, "")

        user = users.get(number)
        if user is not None:
            change.user_id = user.pk
            change.name = change.name or user.name
            change.old_roles = sorted(g.name for g in user.groups.all())
            change.from_unit = current_units.get(user.pk, ("", ""))[1]
        _check_kind(rows, change, user, current_units)
        plan.staff.append(change)


def _check_kind(rows: _Rows, change: StaffChange, user, current_units) -> None:
    row = change.row
    if change.kind == NEW:
        if user is not None and user.is_active:
            rows.problem(
                row,
                "職員番号",
                f"職員番号 {change.employee_number}（{user.name}）は既に登録されています。異動として記入してください。",
            )
        for column, value in (
            ("氏名", change.name),
            ("フリガナ", change.kana),
            ("所属コード", change.unit_code),
        ):
            if not value:
                rows.problem(row, column, f"新規の職員は{column}が必要です。")
        if not change.roles:
            rows.problem(row, "権限", "新規の職員は権限が必要です。")
        return
    if user is None:
        rows.problem(
            row,
            "職員番号",
            f"職員番号 {change.employee_number} の職員が登録されていません（{change.kind}できません）。",
        )
        return
    if change.kind == TRANSFER:
        if not user.is_active:
            rows.problem(
                row,
                "異動区分",
                f"{user.name} は無効（退職・休職中）です。戻る場合は復職として記入してください。",
            )
        if not change.unit_code:
            rows.problem(row, "所属コード", "異動先の所属コードを入力してください。")
        current_code = current_units.get(user.pk, ("", ""))[0]
        same_post = (
            change.unit_code == current_code
            and (
                not change.position
                or change.position == current_units.get(user.pk, ("", "", ""))[2]
            )
            and (change.roles is None or change.roles == change.old_roles)
        )
        change.noop = same_post
    elif change.kind in (RETIRE, LEAVE):
        if not user.is_active:
            change.noop = True
    elif change.kind == RETURN and user.is_active:
        rows.problem(row, "異動区分", f"{user.name} は既に有効です（復職できません）。")


def _current_unit_by_user() -> dict[int, tuple[str, str, str]]:
    from core.timeutil import now_jst

    today = now_jst().date()
    found: dict[int, tuple[str, str, str]] = {}
    for a in (
        Assignment.objects.filter(valid_on(today))
        .select_related("org_unit")
        .order_by("user_id", "-valid_from")
    ):
        found.setdefault(a.user_id, (a.org_unit.code, a.org_unit.name, a.position))
    return found


def _check_abolished_units(plan: Plan) -> None:
    leaving = {c.user_id for c in plan.staff if c.kind in (TRANSFER, RETIRE) and c.user_id}
    for change in plan.org:
        if change.kind != ABOLISH or change.unit_id is None:
            continue
        left = (
            Assignment.objects.filter(valid_on(change.issued_on), org_unit_id=change.unit_id)
            .exclude(user_id__in=leaving)
            .select_related("user")
            .order_by("user__employee_number")
        )
        numbers = [a.user.employee_number for a in left]
        if numbers:
            shown = "、".join(numbers[:5]) + ("…" if len(numbers) > 5 else "")
            plan.problems.append(
                Problem(
                    ORG_SHEET,
                    change.row,
                    "変更区分",
                    f"廃止する「{change.old_name}」に所属している職員が残っています"
                    f"（{len(numbers)}名: {shown}）。職員シートに異動または退職の行を追加してください。",
                )
            )


# --- supervision coverage ------------------------------------------------------------


# Coverage asks for a supervisor (SV/係長 line) on the unit's line; the centre
# director sees every case but does not supervise them day to day.
COVERING_ROLES = frozenset({roles.SUPERVISOR})


def _check_supervision(plan: Plan, *, users: dict, sheet: str) -> None:
    """Refuse a plan that leaves a unit holding open cases with no supervisor."""
    on = plan.effective_date
    tree = org_tree(on=on)
    open_work = hooks.open_work_by_unit(tree.units.keys())
    if not open_work:
        return
    code_of = {uid: u.code for uid, u in tree.units.items()}
    postings: dict[int, set[str]] = {}
    for user_id, unit_id in Assignment.objects.filter(
        valid_on(on), org_unit_id__in=tree.units.keys()
    ).values_list("user_id", "org_unit_id"):
        postings.setdefault(user_id, set()).add(code_of[unit_id])
    by_user = {c.user_id: c for c in plan.staff if c.user_id}

    def roles_of(user) -> set[str]:
        return {g.name for g in user.groups.all()}

    def supervising_after(user) -> set[str]:
        change = by_user.get(user.pk)
        roles_after = set(change.roles) if change and change.roles is not None else roles_of(user)
        if not roles_after & COVERING_ROLES:
            return set()
        if change and change.kind in (RETIRE, LEAVE):
            return set()
        if not user.is_active and not (change and change.kind == RETURN):
            return set()
        if change and change.kind in (TRANSFER, RETURN) and change.unit_code:
            return {change.unit_code}
        return postings.get(user.pk, set())

    after = [supervising_after(u) for u in users.values()]
    after += [
        {c.unit_code} for c in plan.staff if c.kind == NEW and set(c.roles or ()) & COVERING_ROLES
    ]
    for unit_id, count in sorted(open_work.items()):
        line = {code_of[u] for u in [unit_id, *tree.ancestors(unit_id)] if u in code_of}
        if any(codes & line for codes in after):
            continue
        message = (
            f"この変更で「{tree.units[unit_id].name}」の未終結ケース（{count}件）を"
            "担当するスーパーバイザーがいなくなります。"
        )
        culprits = [
            c
            for c in plan.staff
            if c.user_id
            and postings.get(c.user_id, set()) & line
            and roles_of(users[c.employee_number]) & COVERING_ROLES
        ]
        for c in culprits or [None]:
            plan.problems.append(
                Problem(sheet, c.row if c else None, "異動区分" if c else None, message)
            )
