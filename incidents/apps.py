from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "障害管理"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from accounts import roles
        from core import banners
        from core.navigation import NavItem, register
        from incidents.selectors import ongoing_stop_banners

        banners.register(ongoing_stop_banners)

        from core import alerts
        from incidents.services import alert_handle

        alerts.register(alert_handle)

        register(
            NavItem(
                "incidents",
                _("障害"),
                "incidents:board",
                frozenset({*roles.VENDOR_ROLES, roles.CITY_ADMIN}),
                order=220,
            )
        )
