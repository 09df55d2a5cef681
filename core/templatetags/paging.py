from django import template

register = template.Library()


@register.filter
def without_page(querydict) -> str:
    """The current query string minus ``page``, for pager links."""
    params = querydict.copy()
    params.pop("page", None)
    return params.urlencode()
