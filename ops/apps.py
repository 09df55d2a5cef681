from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = "運用管理"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from accounts import roles
        from core.navigation import NavItem, register

        register(
            NavItem(
                "ops_status",
                _("システム状態"),
                "ops:status",
                frozenset({roles.VENDOR_OPERATOR, roles.VENDOR_MANAGER, roles.CITY_ADMIN}),
                order=500,
            )
        )
