"""URLs of the routine area (included by ops/urls.py)."""

urlpatterns: list = []
