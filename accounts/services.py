from django.contrib.auth.models import Group, Permission
from django.db import transaction

from accounts import roles

# What each role may do in Django admin; per-object rules live in each app's access.py.
ADMIN_APPS = ("accounts", "auth", "django_celery_beat", "axes", "core")


@transaction.atomic
def roles_sync() -> list[Group]:
    """Create the role groups and give the city admin role its admin permissions.

    Idempotent; called after every migrate and by seed_demo.
    """
    groups = []
    for code in roles.ROLES:
        group, _ = Group.objects.get_or_create(name=code)
        groups.append(group)
    city_admin = Group.objects.get(name=roles.CITY_ADMIN)
    perms = Permission.objects.filter(content_type__app_label__in=ADMIN_APPS)
    city_admin.permissions.add(*perms)
    return groups
