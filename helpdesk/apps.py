from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    name = "helpdesk"
    verbose_name = "ヘルプデスク"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from accounts import roles
        from core.navigation import NavItem, register

        desk = frozenset({*roles.VENDOR_ROLES, roles.CITY_ADMIN, roles.WARD_STAFF})
        register(NavItem("helpdesk", _("問合せ・連絡票"), "helpdesk:inquiries", desk, order=200))
        register(NavItem("faq", _("FAQ"), "helpdesk:faqs", frozenset(), order=210))
