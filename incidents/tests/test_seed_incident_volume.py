"""seed_incident_volume at a tiny size: counts, numbering, availability, refusal."""

import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from core.timeutil import fiscal_year
from incidents.availability import availability
from incidents.models import HealthSample, Incident, PlannedStop, StopInterval

pytestmark = pytest.mark.django_db

ARGS = ["--years", "2", "--incidents", "40", "--sample-years", "1", "--planned-stops", "4"]


@pytest.fixture
def loaded():
    call_command("seed_demo", stdout=io.StringIO())
    before = set(Incident.objects.values_list("pk", flat=True))
    out = io.StringIO()
    call_command("seed_incident_volume", *ARGS, stdout=out)
    return before, out.getvalue()


def test_counts_numbering_and_availability(loaded):
    before, output = loaded
    assert "投入完了" in output and "稼働監視" in output
    new = Incident.objects.exclude(pk__in=before)
    assert new.count() == 40
    assert StopInterval.objects.filter(incident__in=new).count() >= 20
    assert PlannedStop.objects.filter(approved_at__isnull=False).count() >= 3
    # one year of minutes, less the gaps
    n = HealthSample.objects.filter(component="database").count()
    assert 525_600 - 8 * 45 - 10 <= n <= 525_600 + 10_000
    assert HealthSample.objects.filter(component="database", ok=False).exists()
    # numbering: I{令和}-{seq:04d}, contiguous per fiscal year after the existing ones
    for inc in new:
        assert re.fullmatch(r"I\d+-\d{4}", inc.number)
        assert inc.number == f"I{inc.fiscal_year - 2018}-{inc.sequence:04d}"
        assert inc.fiscal_year == fiscal_year(inc.aware_at)
    for fy in set(new.values_list("fiscal_year", flat=True)):
        seqs = sorted(Incident.objects.filter(fiscal_year=fy).values_list("sequence", flat=True))
        assert seqs == list(range(1, len(seqs) + 1))
    assert new.filter(status=Incident.Status.CLOSED).count() > 20
    # a month's availability
    end = timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    start = (end - timedelta(days=1)).replace(day=1)
    result = availability(start=start, end=end)
    assert result.ratio is not None and 0 <= result.ratio <= 1
    assert result.service_minutes > 0


def test_second_run_refused_without_force(loaded):
    with pytest.raises(CommandError, match="既に投入済み"):
        call_command("seed_incident_volume", *ARGS, stdout=io.StringIO())
