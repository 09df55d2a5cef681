from django import template

register = template.Library()


@register.filter
def attr_value(obj, name):
    """The current value of a field, for the conflict screen."""
    value = getattr(obj, name, "")
    display = getattr(obj, f"get_{name}_display", None)
    return display() if callable(display) else ("" if value is None else value)
