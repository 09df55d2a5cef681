from django.utils.functional import SimpleLazyObject

from core import banners
from core import navigation as nav


def navigation(request):
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {
        "nav_items": SimpleLazyObject(lambda: nav.items_for(user)),
        "banners": SimpleLazyObject(lambda: banners.banners_for(user)),
    }
