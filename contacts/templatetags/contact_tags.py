from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key] or None: a form's bound field by name, or a dict entry."""
    try:
        return mapping[key]
    except (KeyError, TypeError):
        return None


@register.filter
def as_text(value) -> str:
    """A field value as staff read it in a conflict note: dicts as 'key: value' pairs."""
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items()) or "(none)"
    return str(value)
