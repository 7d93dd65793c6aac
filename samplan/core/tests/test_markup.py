"""samplan.core.markup: URLs for the markup written in Python, reversed once per process."""

from django.urls import reverse

from samplan.core import markup


def test_a_link_is_the_reversed_url_for_none_one_and_two_arguments():
    assert markup.reverse_once("discharge:overview") == reverse("discharge:overview")
    assert markup.reverse_once("discharge:case_detail", 12) == reverse(
        "discharge:case_detail", args=[12]
    )
    assert markup.reverse_once("discharge:message_cancel", 3, 45) == reverse(
        "discharge:message_cancel", args=[3, 45]
    )
    assert markup.url_pattern("messaging:message_detail", 1).count("{0}") == 1


def test_each_name_is_reversed_once(monkeypatch):
    markup._pattern.cache_clear()
    calls = []
    real = markup.reverse
    monkeypatch.setattr(markup, "reverse", lambda *a, **k: calls.append(a) or real(*a, **k))
    for case_id in (1, 2, 3):
        markup.reverse_once("discharge:case_detail", case_id)
    assert len(calls) == 1
