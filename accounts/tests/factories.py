import factory
from django.contrib.auth.models import Group

from accounts.models import OrgUnit, User

PASSWORD = "test-pass-2026-xyz"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("employee_number",)
        skip_postgeneration_save = True

    employee_number = factory.Sequence(lambda n: f"{700000 + n}")
    name = factory.Sequence(lambda n: f"試験 職員{n}")
    name_kana = "シケン ショクイン"
    email = factory.LazyAttribute(lambda o: f"u{o.employee_number}@city.example.jp")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        for code in extracted:
            group, _ = Group.objects.get_or_create(name=code)
            self.groups.add(group)


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit

    code = factory.Sequence(lambda n: f"T{n:03d}")
    name = factory.Sequence(lambda n: f"試験組織{n}")
    kind = OrgUnit.Kind.CENTER
    valid_from = factory.Faker("date_between", start_date="-3y", end_date="-1y")
