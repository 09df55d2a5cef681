"""URLs of the registry area (included by ops/urls.py)."""

urlpatterns: list = []
