from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def as_text(value) -> str:
    """A field value as staff read it in a conflict note: dicts as 'key: value' pairs."""
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items()) or "(none)"
    return str(value)
