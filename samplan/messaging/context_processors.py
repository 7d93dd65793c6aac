from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from samplan.messaging.access import can_use_inbox
from samplan.messaging.templatetags.inbox_count import new_count_badge


def inbox(request: HttpRequest) -> dict:
    """The header's Inkorg link and new-message count, for users working in a unit's inbox.

    The count and the badge are lazy, the count cached on the request: a page that shows it
    (and the inbox tabs) costs one indexed COUNT, a page that does not costs nothing.
    """
    user = getattr(request, "user", None)
    unit = getattr(request, "unit", None)
    if user is None or not user.is_authenticated or not can_use_inbox(user, unit):
        return {"show_inbox": False}
    return {
        "show_inbox": True,
        "inbox_new_count": SimpleLazyObject(lambda: cached_new_count(request)),
        # The header's badge (core's {% site_header %} calls it): core imports no app.
        "inbox_badge": lambda: new_count_badge(cached_new_count(request)),
    }


def known_new_count(request: HttpRequest, count: int | None) -> None:
    """The header's count as the page read it in a statement of its own
    (access.new_count_column), so that the header does not run the COUNT again; None, when
    the page did not read it, changes nothing."""
    if count is not None:
        request._inbox_new_count = count


def cached_new_count(request: HttpRequest) -> int:
    from samplan.messaging.access import new_count

    if not hasattr(request, "_inbox_new_count"):
        request._inbox_new_count = new_count(request.unit)
    return request._inbox_new_count
