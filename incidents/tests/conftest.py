import pytest


@pytest.fixture(autouse=True)
def _milestone_presets(request):
    # A transactional test elsewhere may have flushed the rows the migration ships.
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        from django.apps import apps

        from incidents.presets import ensure_milestone_presets

        request.getfixturevalue("db")
        ensure_milestone_presets(apps)
