"""Optimistic locking: a save based on an old version is refused, never merged.

Models that can be edited concurrently carry a ``version`` integer. A form
carries the version it was loaded with; the save locks the row, compares, and
either writes (version + 1, with a history row) or raises ConflictError with
the version now in the database so the screen can show both.
"""

from django.db import transaction


class ConflictError(Exception):
    def __init__(self, *, current, attempted: dict):
        super().__init__("the record was changed by someone else")
        self.current = current
        self.attempted = attempted


def update_with_version(instance, *, expected_version: int, fields: dict):
    model = type(instance)
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=instance.pk)
        if locked.version != expected_version:
            raise ConflictError(current=locked, attempted=fields)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.version += 1
        locked.full_clean(exclude=["search_name", "search_kana"])
        locked.save()
        return locked
