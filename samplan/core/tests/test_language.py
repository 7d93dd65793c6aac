"""Swedish first: the browser's language does not switch the UI; the user's choice does."""

from django.conf import settings
from django.urls import reverse


def test_an_english_browser_gets_swedish(client):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert '<html lang="sv">' in html and "Logga in" in html
    assert response["Content-Language"] == "sv"


def test_choosing_english_at_the_foot_of_the_page_switches_it(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert '<html lang="en">' in html and "Log in" in html


def test_an_unknown_language_cookie_gives_swedish(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    html = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="sv">' in html
