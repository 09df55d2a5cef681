import pytest

from accounts import roles
from cases.tests.factories import ConsultationFactory, assign


class CaseWorld:
    """The small city (accounts.tests.personnel_files.City) plus cases:
    one in section one assigned to worker1, one in section two assigned to worker2."""

    def __init__(self, city, make_user):
        self.city = city
        self.case1 = ConsultationFactory(unit=city.sec1, receiver=city.worker1)
        assign(self.case1, city.worker1)
        self.case2 = ConsultationFactory(unit=city.sec2, receiver=city.worker2)
        assign(self.case2, city.worker2)
        self.city_admin = make_user(roles.CITY_ADMIN)
        self.vendor = make_user(roles.VENDOR_OPERATOR)


@pytest.fixture
def world(city, make_user):
    from django.apps import apps

    from cases.codes_seed import ensure_code_lists

    ensure_code_lists(apps)  # a transactional test before this one may have flushed them
    return CaseWorld(city, make_user)
