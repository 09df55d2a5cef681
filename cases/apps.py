from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "ケース記録"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from accounts import roles
        from accounts.hooks import register_open_work_provider
        from cases.selectors import open_cases_by_unit
        from core.navigation import NavItem, register

        register_open_work_provider(open_cases_by_unit)
        # Reviewed data extraction definitions, run by ops through core.extracts.
        from cases.extracts import register_definitions

        register_definitions()
        case_roles = frozenset(roles.CASE_ROLES)
        register(
            NavItem("cases_dashboard", _("担当ケース"), "cases:dashboard", case_roles, order=10)
        )
        register(NavItem("cases_search", _("検索"), "cases:search", case_roles, order=20))
        register(NavItem("cases_intake", _("受付"), "cases:intake", case_roles, order=30))
