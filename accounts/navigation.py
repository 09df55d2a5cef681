from django.utils.translation import gettext_lazy as _

from accounts import roles
from core.navigation import NavItem, register

register(NavItem("home", _("ホーム"), "home", frozenset(), order=0))
register(NavItem("admin", _("管理サイト"), "admin:index", frozenset({roles.CITY_ADMIN}), order=900))
