"""Synthetic case data for tests: made-up names only."""

from datetime import date, timedelta

import factory
from django.utils import timezone

from accounts.models import Assignment, OrgUnit
from cases.models import (
    AbuseReport,
    CaseAssignment,
    Code,
    Consultation,
    Person,
    ProgressNote,
    Protection,
    Relationship,
)
from core.textnorm import bigrams, search_form


def code(list_key: str, code_value: str) -> Code:
    return Code.objects.get(code_list__key=list_key, code=code_value)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"試験 花子{n}")
    name_kana = factory.Sequence(lambda n: f"シケン ハナコ{n}")
    sex = Person.Sex.FEMALE
    birth_date = date(2018, 5, 3)
    address = "架空市中央区1-2-3"
    search_name = factory.LazyAttribute(lambda o: search_form(o.name))
    search_kana = factory.LazyAttribute(lambda o: search_form(o.name_kana))
    search_bigrams = factory.LazyAttribute(lambda o: bigrams(o.search_name, o.search_kana))


class ConsultationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consultation

    fiscal_year = 2026
    sequence = factory.Sequence(lambda n: 90000 + n)
    number = factory.LazyAttribute(lambda o: f"{o.fiscal_year}-{o.sequence:05d}")
    received_at = factory.LazyFunction(timezone.now)
    channel = Consultation.Channel.PHONE
    route = factory.LazyFunction(lambda: code("keiro", "04"))
    consultation_type = factory.LazyFunction(lambda: code("soudan_shubetsu", "11"))
    main_concern = "近隣から泣き声が続いているとの連絡。"
    child = factory.SubFactory(PersonFactory)
    status = Consultation.Status.ACCEPTED


def assign(consultation, user, role=CaseAssignment.Role.LEAD):
    return CaseAssignment.objects.create(consultation=consultation, user=user, role=role)


def abuse_report(consultation, *, accepted_at=None, urgency="A"):
    accepted_at = accepted_at or consultation.received_at
    return AbuseReport.objects.create(
        consultation=consultation,
        accepted_at=accepted_at,
        safety_due_at=accepted_at + timedelta(hours=48),
        abuse_types=["physical"],
        urgency=urgency,
    )


def note(consultation, author, text="家庭訪問。児童は元気な様子。", **kwargs):
    return ProgressNote.objects.create(
        consultation=consultation,
        author=author,
        text=text,
        occurred_at=kwargs.pop("occurred_at", timezone.now()),
        kind=kwargs.pop("kind", "home_visit"),
        **kwargs,
    )


def protection(consultation, *, start_at=None, consent=False, **kwargs):
    return Protection.objects.create(
        consultation=consultation,
        start_at=start_at or timezone.now(),
        reason="emergency_i",
        place="center",
        parental_consent=consent,
        **kwargs,
    )


def guardian(child, *, relation="実母", adversary=False, **kwargs):
    person = PersonFactory(**kwargs)
    Relationship.objects.create(
        person=child, other=person, relation=relation, is_guardian=True, is_adversary=adversary
    )
    return person


def post(user, unit: OrgUnit, position="主事"):
    return Assignment.objects.create(
        user=user, org_unit=unit, position=position, valid_from=date(2026, 4, 1)
    )
