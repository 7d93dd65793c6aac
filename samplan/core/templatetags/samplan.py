import functools

from django import template
from django.core.paginator import Page
from django.forms import BoundField
from django.http import HttpRequest
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

register = template.Library()


@register.simple_tag
def query_without_page(request: HttpRequest) -> str:
    """The current query string minus ?page=, ending in '&' so a page number can follow."""
    params = request.GET.copy()
    params.pop("page", None)
    encoded = params.urlencode()
    return f"{encoded}&" if encoded else ""


@functools.lru_cache(maxsize=8)
def _pagination_words(language: str | None) -> tuple[str, str, str, str]:
    # Translated once per language (`language` is the key only). The translations stand
    # outside f-strings: xgettext does not look inside them.
    return (
        gettext("Previous"),
        gettext("Next"),
        gettext("Pages"),
        gettext("Page %(number)s of %(total)s"),
    )


@register.simple_tag(takes_context=True)
def pagination(context: template.Context, page: Page | None) -> SafeString:
    """A list's links to the previous and next page and where the page stands, when there is
    more than one page: the markup of the include core/_pagination.html as it was, written in
    Python because every list page showed it (core/tests/test_pagination_markup.py holds the
    two equal). The query string keeps every parameter but ?page=, escaped."""
    paginator = getattr(page, "paginator", None)
    if paginator is None or paginator.num_pages <= 1:
        return mark_safe("")
    query = conditional_escape(query_without_page(context.get("request")))
    previous_words, next_words, pages, where = _pagination_words(get_language())
    where = where % {
        "number": page.number,
        "total": paginator.num_pages,
    }
    previous = (
        f'<a href="?{query}page={page.previous_page_number()}" rel="prev">{previous_words}</a>'
        if page.has_previous()
        else ""
    )
    following = (
        f'<a href="?{query}page={page.next_page_number()}" rel="next">{next_words}</a>'
        if page.has_next()
        else ""
    )
    return mark_safe(  # noqa: S308 (the query is escaped, the rest are numbers and translations)
        f'\n<nav class="pagination" aria-label="{pages}">\n  {previous}\n'
        f'  <span aria-current="page">{where}</span>\n  {following}\n</nav>\n'
    )


@register.simple_tag(takes_context=True)
def form_field(
    context: template.Context, field: BoundField, search: bool | None = None
) -> SafeString:
    """A form field with its label, help and errors: the markup of core/_field.html, written
    in Python for the lists' filter forms, which show it on every page view (an include per
    field and its dozen look-ups were most of the form's time). `search` (given, or else in
    the context) leaves out the required mark, as in the template.
    core/tests/test_form_field.py and test_field_row.py hold the two equal."""
    errors = field.errors
    label = conditional_escape(field.label)
    label_for = conditional_escape(field.id_for_label)
    if getattr(field.field.widget, "input_type", None) == "checkbox":
        body = (
            f'<div class="field__check">{conditional_escape(field)} '
            f'<label for="{label_for}">{label}</label></div>'
        )
    else:
        required = (
            ' <span class="required" aria-hidden="true">*</span>'
            if field.field.required and not (context.get("search") if search is None else search)
            else ""
        )
        body = f'<label for="{label_for}">{label}{required}</label>\n  {conditional_escape(field)}'
    help_text = ""
    if field.help_text:
        help_text = (
            f'<p class="field__help" id="{conditional_escape(field.auto_id)}_helptext">'
            f"{conditional_escape(field.help_text)}</p>"
        )
    shown_errors = "".join(
        f'<p class="field__error" id="{label_for}_error">{conditional_escape(error)}</p>'
        for error in errors
    )
    return mark_safe(  # noqa: S308 (every value is escaped, the field's widget by Django)
        f'<div class="field{" field--error" if errors else ""}">\n  \n  {body}\n  \n'
        f"  {help_text}\n  {shown_errors}\n</div>\n"
    )
