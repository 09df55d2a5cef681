from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "職員・組織"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import navigation  # noqa: F401 - registers the menu entries

        post_migrate.connect(_sync_roles, sender=self)


def _sync_roles(**kwargs):
    # Permissions exist only after migrate, so roles are synced here rather than
    # in a data migration.
    from accounts.services import roles_sync

    roles_sync()
