from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "backups"
    verbose_name = "バックアップ"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from accounts import roles
        from backups.selectors import check_backups
        from core.health import register_check
        from core.navigation import NavItem, register

        register_check(check_backups)
        register(
            NavItem(
                "backups",
                _("バックアップ"),
                "backups:index",
                frozenset({*roles.VENDOR_ROLES, roles.CITY_ADMIN}),
                order=240,
            )
        )
