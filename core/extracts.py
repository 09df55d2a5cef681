"""Saved, reviewed data extraction definitions (データ抽出) and their registry.

The city asks for an extract; a city admin approves; the vendor runs it. What can be
run is never free SQL typed into a form but one of these definitions: each names its
parameters (typed and validated), the columns it outputs with their Japanese labels and
the roles that may see each column, and a ``run`` that yields the rows **as the
requester** (the owning app applies its own access rules inside ``run``).

The app that owns the data registers its definitions from its ``AppConfig.ready()``
(``cases`` does, in cases/extracts.py); ``ops`` looks them up by code, so the vendor
side never imports the app holding the data.

    definition = get("cases.consultation_list")
    prepared = definition.prepare(requester=user, params=raw, columns=None)   # validates
    for row in definition.run(requester=user, params=prepared.typed, progress=report):
        ...row.object_id, row.values[column.key]...
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError

# Names the request form uses itself; a parameter may not take them.
RESERVED_NAMES = frozenset({"definition", "purpose", "columns", "output_format", "version"})
MAX_LISTED_COLUMNS = 5


class ParamKind:
    DATE = "date"
    CODE = "code"  # a value from a code list (choices computed at call time)
    CHOICE = "choice"  # a value from a fixed list
    NUMBERS = "numbers"  # a list of identifiers (e.g. case numbers), one per line
    BOOL = "bool"
    TEXT = "text"

    ALL = frozenset({DATE, CODE, CHOICE, NUMBERS, BOOL, TEXT})


@dataclass(frozen=True)
class Parameter:
    """One declared parameter. Stored as JSON (dates as ISO strings), handed to
    ``run`` as Python values (dates as ``date``)."""

    name: str
    label: str
    kind: str
    required: bool = True
    help_text: str = ""
    # CHOICE: a fixed list; CODE: a callable giving the list when asked (code lists change).
    choices: Sequence[tuple[str, str]] | Callable[[], Sequence[tuple[str, str]]] = ()
    max_items: int = 500  # NUMBERS
    max_length: int = 200  # TEXT and each item of NUMBERS
    default: Any = None

    def choice_list(self) -> list[tuple[str, str]]:
        values = self.choices() if callable(self.choices) else self.choices
        return [(str(v), str(label)) for v, label in values]

    def clean(self, raw: Any) -> Any:
        """The JSON value for ``raw`` (a form value or a stored one); ValidationError
        naming the parameter otherwise."""
        empty = raw is None or raw == "" or raw == [] or raw == ()
        if self.kind == ParamKind.BOOL:
            if isinstance(raw, str):
                return raw.strip().lower() in ("1", "true", "on", "yes")
            return bool(raw)
        if empty:
            if self.required:
                raise ValidationError(
                    {self.name: f"「{self.label}」を入力してください。"}, code="required"
                )
            return [] if self.kind == ParamKind.NUMBERS else ""
        if self.kind == ParamKind.DATE:
            return self._clean_date(raw).isoformat()
        if self.kind in (ParamKind.CODE, ParamKind.CHOICE):
            value = str(raw).strip()
            if value not in {v for v, _label in self.choice_list()}:
                raise ValidationError(
                    {
                        self.name: f"「{self.label}」に選べない値「{value[:50]}」が指定されています。"
                    },
                    code="invalid_choice",
                )
            return value
        if self.kind == ParamKind.NUMBERS:
            return self._clean_numbers(raw)
        if self.kind == ParamKind.TEXT:
            value = str(raw).strip()
            if len(value) > self.max_length:
                raise ValidationError(
                    {self.name: f"「{self.label}」は{self.max_length}文字以内で入力してください。"}
                )
            return value
        raise ValidationError({self.name: f"「{self.label}」の種類 {self.kind} は扱えません。"})

    def _clean_date(self, raw: Any) -> date:
        if isinstance(raw, date):
            return raw
        text = unicodedata.normalize("NFKC", str(raw)).strip().replace("/", "-")
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValidationError(
                {self.name: f"「{self.label}」は日付（例: 2026-04-01）で入力してください。"},
                code="invalid_date",
            ) from None

    def _clean_numbers(self, raw: Any) -> list[str]:
        items = re.split(r"[\s,、，;；]+", raw) if isinstance(raw, str) else [str(i) for i in raw]
        seen: dict[str, None] = {}
        for item in items:
            value = unicodedata.normalize("NFKC", item).strip().upper().replace("ー", "-")
            if not value:
                continue
            if len(value) > self.max_length:
                raise ValidationError(
                    {self.name: f"「{self.label}」の「{value[:30]}…」が長すぎます。"}
                )
            seen[value] = None
        values = list(seen)
        if not values and self.required:
            raise ValidationError({self.name: f"「{self.label}」を入力してください。"})
        if len(values) > self.max_items:
            raise ValidationError(
                {
                    self.name: f"「{self.label}」は一度に{self.max_items:,}件までです"
                    f"（{len(values):,}件指定されています）。"
                }
            )
        return values

    def to_python(self, stored: Any) -> Any:
        if self.kind == ParamKind.DATE:
            return date.fromisoformat(stored) if stored else None
        if self.kind == ParamKind.NUMBERS:
            return list(stored or [])
        if self.kind == ParamKind.BOOL:
            return bool(stored)
        return stored or ""


@dataclass(frozen=True)
class Column:
    """An output column: key, Japanese header, and the roles that may see it."""

    key: str
    label: str
    roles: frozenset[str]
    kind: str = "text"  # text, date, datetime, int
    width: int = 14  # in Excel character units

    def visible_to(self, role_codes: Iterable[str]) -> bool:
        return bool(self.roles & frozenset(role_codes))


@dataclass(frozen=True, slots=True)
class ExtractRow:
    """One output row: the object it reads (for the read log) and its column values."""

    object_id: int | str | None
    values: dict[str, Any]


@dataclass(frozen=True)
class Prepared:
    """A request that passed every check: what to store and what ``run`` takes."""

    params: dict[str, Any]  # JSON
    typed: dict[str, Any]  # Python values
    columns: list[Column]

    @property
    def column_keys(self) -> list[str]:
        return [c.key for c in self.columns]


Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ExtractDefinition:
    """A reviewed extraction.

    ``run(*, requester, params, progress)`` yields ``ExtractRow``s for the rows the
    requester may see; ``params`` are the typed values. ``check(*, requester, params)``
    (optional) refuses a request before it is saved, e.g. when it names an object the
    requester may not see. ``unreadable(*, user, object_ids)`` (optional) names the objects
    among ``object_ids`` the user may not read now (checked again at download).
    ``validate(params)`` (optional) checks the parameters together (typed values).
    """

    code: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    columns: tuple[Column, ...]
    run: Callable[..., Iterable[ExtractRow]]
    object_type: str = ""
    object_label: str = ""  # e.g. 相談
    check: Callable[..., None] | None = None
    unreadable: Callable[..., list[str]] | None = None
    validate: Callable[[dict[str, Any]], None] | None = None
    revision: str = "1"
    owner: str = ""  # the app that registered it
    extra: dict[str, Any] = field(default_factory=dict)

    # --- parameters -------------------------------------------------------------------

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)

    def clean_params(self, raw: dict[str, Any]) -> dict[str, Any]:
        """JSON values of every declared parameter; unknown keys are refused; all
        errors at once, each under its parameter's name."""
        raw = dict(raw or {})
        unknown = sorted(set(raw) - {p.name for p in self.parameters})
        if unknown:
            raise ValidationError(
                f"この抽出定義にない条件が指定されています: {'、'.join(unknown)}",
                code="unknown_parameter",
            )
        cleaned: dict[str, Any] = {}
        errors: dict[str, list] = {}
        for p in self.parameters:
            value = raw.get(p.name, p.default)
            try:
                cleaned[p.name] = p.clean(value)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    errors.setdefault(name, []).extend(messages)
        if errors:
            raise ValidationError(errors)
        if self.validate is not None:
            self.validate(self.typed_params(cleaned))
        return cleaned

    def typed_params(self, stored: dict[str, Any]) -> dict[str, Any]:
        return {p.name: p.to_python(stored.get(p.name)) for p in self.parameters}

    # --- columns ----------------------------------------------------------------------

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    def resolve_columns(self, keys: Sequence[str] | None) -> list[Column]:
        """The chosen columns in the definition's order (all when ``keys`` is empty)."""
        if not keys:
            return list(self.columns)
        known = {c.key for c in self.columns}
        unknown = [k for k in keys if k not in known]
        if unknown:
            raise ValidationError(
                {"columns": f"この抽出定義にない列が指定されています: {'、'.join(unknown)}"}
            )
        chosen = set(keys)
        return [c for c in self.columns if c.key in chosen]

    def columns_visible_to(self, role_codes: Iterable[str]) -> list[Column]:
        codes = frozenset(role_codes)
        return [c for c in self.columns if c.visible_to(codes)]

    def authorize_columns(self, columns: Sequence[Column], role_codes: Iterable[str]) -> None:
        """Refuse when any column is one the requester's roles may not see, naming it."""
        codes = frozenset(role_codes)
        refused = [c for c in columns if not c.visible_to(codes)]
        if not refused:
            return
        names = "".join(f"「{c.label}」" for c in refused[:MAX_LISTED_COLUMNS])
        more = len(refused) - MAX_LISTED_COLUMNS
        if more > 0:
            names += f"ほか{more}列"
        raise ValidationError(
            {
                "columns": f"列{names}は、あなたの役割では閲覧できないため抽出できません。"
                "この列を外して依頼してください。"
            },
            code="column_forbidden",
        )

    # --- the whole request --------------------------------------------------------------

    def prepare(
        self, *, requester, params: dict[str, Any], columns: Sequence[str] | None
    ) -> Prepared:
        """Everything checked before a request is saved (and again before it runs)."""
        errors: dict[str, list] = {}
        cleaned: dict[str, Any] = {}
        chosen: list[Column] = []
        try:
            cleaned = self.clean_params(params)
        except ValidationError as exc:
            _merge(errors, exc)
        try:
            chosen = self.resolve_columns(columns)
            self.authorize_columns(chosen, getattr(requester, "role_codes", frozenset()))
        except ValidationError as exc:
            _merge(errors, exc)
        if errors:
            raise ValidationError(errors)
        typed = self.typed_params(cleaned)
        if self.check is not None:
            self.check(requester=requester, params=typed)
        return Prepared(params=cleaned, typed=typed, columns=chosen)

    def rows(
        self, *, requester, params: dict[str, Any], progress: Progress | None = None
    ) -> Iterator[ExtractRow]:
        """``run`` with the stored parameters typed; progress is optional."""
        report = progress or (lambda done, total: None)
        yield from self.run(requester=requester, params=self.typed_params(params), progress=report)


def _merge(errors: dict[str, list], exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    else:
        errors.setdefault("__all__", []).extend(exc.messages)


# --- the registry ----------------------------------------------------------------------

_registry: dict[str, ExtractDefinition] = {}


class UnknownDefinition(LookupError):
    pass


def register(definition: ExtractDefinition) -> ExtractDefinition:
    """Add (or replace, on a reload) a definition; refuses a malformed one."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*", definition.code):
        raise ValueError(f"extract code must look like 'app.name': {definition.code!r}")
    names = [p.name for p in definition.parameters]
    if len(set(names)) != len(names):
        raise ValueError(f"{definition.code}: duplicate parameter names")
    clash = RESERVED_NAMES & set(names)
    if clash:
        raise ValueError(f"{definition.code}: reserved parameter names {sorted(clash)}")
    bad = [p.name for p in definition.parameters if p.kind not in ParamKind.ALL]
    if bad:
        raise ValueError(f"{definition.code}: unknown parameter kinds for {bad}")
    keys = [c.key for c in definition.columns]
    if not keys or len(set(keys)) != len(keys):
        raise ValueError(f"{definition.code}: columns must be present and unique")
    _registry[definition.code] = definition
    return definition


def unregister(code: str) -> None:
    _registry.pop(code, None)


def get(code: str) -> ExtractDefinition:
    try:
        return _registry[code]
    except KeyError:
        raise UnknownDefinition(code) from None


def all_definitions() -> list[ExtractDefinition]:
    return sorted(_registry.values(), key=lambda d: (d.title, d.code))
