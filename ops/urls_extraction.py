"""URLs of the extraction area (included by ops/urls.py)."""

urlpatterns: list = []
