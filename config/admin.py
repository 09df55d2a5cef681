from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.sites import AdminSite
from django.utils.translation import gettext_lazy as _

from accounts import roles


class CityAdminSite(AdminSite):
    site_header = _("児童相談システム 管理サイト")
    site_title = _("児童相談システム 管理")
    index_title = _("システム管理")

    def has_permission(self, request):
        user = request.user
        if not (user.is_active and user.is_authenticated):
            return False
        return user.is_superuser or roles.CITY_ADMIN in getattr(user, "role_codes", ())


class CityAdminConfig(AdminConfig):
    default_site = "config.admin.CityAdminSite"
