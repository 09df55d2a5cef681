"""URLs of the handover area (included by ops/urls.py)."""

urlpatterns: list = []
