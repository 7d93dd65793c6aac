from django import template
from django.http import HttpRequest

register = template.Library()


@register.simple_tag
def query_without_page(request: HttpRequest) -> str:
    """The current query string minus ?page=, ending in '&' so a page number can follow."""
    params = request.GET.copy()
    params.pop("page", None)
    encoded = params.urlencode()
    return f"{encoded}&" if encoded else ""
