"""Bad input never gives a 5xx (issue 17): generated values sent to every form and every list
filter of the pages a few users can open, on the database the suite runs on (CI runs it on
SQLite and PostgreSQL).

The forms are found in the pages themselves: every <form> on every parameterless page and on
the object pages of the logging walker, with its method, action and field names. First a
sweep sends each hostile value to every field of every form; then hypothesis sends generated
values (numbers of any size and sign, other scripts' digits, text, dates, NUL) to a random
choice of fields of a random form.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samplan.accounts.sessions import SESSION_UNIT_KEY
from samplan.auditlog.tests.test_list_logging import _world, list_routes
from samplan.auditlog.tests.test_logging_coverage import BUILDERS

# Values that broke, or could break, a parser: too large for the database, negative, digits
# int() refuses ("²") or reads ("٣"), not numbers, dates that do not exist, NUL.
HOSTILE = [
    "99999999999999999999",
    "-1",
    "²",
    "٣",
    "2026-13-45",
    "' OR 1=1 --",
    "x" * 300,
    "a\x00b",
]
# Forms whose POST ends the session or changes the language for the next examples.
SKIP_ACTIONS = ("/konto/logga-ut/", "/i18n/")


@dataclass(frozen=True)
class Form:
    page: str
    method: str
    action: str
    fields: tuple[str, ...]


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, str, list[str]]] = []
        self._current: tuple[str, str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "form":
            method = (attributes.get("method") or "get").lower()
            self._current = (method, attributes.get("action") or "", [])
            self.forms.append(self._current)
        elif tag in {"input", "select", "textarea", "button"} and self._current is not None:
            name = attributes.get("name")
            if name and name != "csrfmiddlewaretoken" and name not in self._current[2]:
                self._current[2].append(name)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def forms_on(url: str, html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    found = []
    for method, action, fields in parser.forms:
        target = urlsplit(urljoin(url, action or url)).path
        if fields and not target.startswith(SKIP_ACTIONS):
            found.append(Form(url, method, target, tuple(fields)))
    return found


@dataclass
class Seat:
    user: object
    unit: object | None


def _login(client, seat: Seat) -> None:
    client.force_login(seat.user)
    if seat.unit is not None:
        session = client.session
        session[SESSION_UNIT_KEY] = seat.unit.pk
        session.save()


# Who opens the pages: the patient work of a ward, home care and school health, a municipal
# administrator (registers, users, units), and a superuser (Django's admin).
SEAT_USERS = ("avdssk", "hemssk", "kommunadmin", "kurator", "root")
# PDFs have no forms, and each costs a second to make.
PDF_PAGES = {"sip:form_blank", "sip:form_prefilled", "sip:version_pdf"}


def _targets(cast, client) -> list[tuple[Seat, Form]]:
    seats, _ = _world(cast)
    seats = [Seat(s.user, s.unit) for s in seats if s.user.username.startswith(SEAT_USERS)]
    # Each list page as the first of the users who may open it; each object page as its
    # builder's user.
    pages: list[tuple[list[Seat], str]] = [
        (seats, reverse(name)) for name in list_routes() if name not in PDF_PAGES
    ]
    for name, build in sorted(BUILDERS.items()):
        if name in PDF_PAGES:
            continue
        visit = build(cast)
        pages.append(([Seat(visit.user, visit.unit)], reverse(name, kwargs=visit.kwargs)))
    targets: dict[tuple, tuple[Seat, Form]] = {}
    for candidates, url in pages:
        for seat in candidates:
            _login(client, seat)
            response = client.get(url)
            assert response.status_code < 500, f"GET {url} answered {response.status_code}"
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                for form in forms_on(url, response.content.decode()):
                    # One user per form: the same form is parsed by the same code for all.
                    targets.setdefault((form.method, form.action, form.fields), (seat, form))
                break
    return list(targets.values())


def _send(client, seat: Seat, form: Form, values: dict[str, str]) -> int:
    _login(client, seat)
    if form.method == "post":
        response = client.post(form.action, values)
    else:
        response = client.get(form.action, values)
    return response.status_code


values = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(max_size=40),
    st.sampled_from(HOSTILE),
    st.dates().map(str),
    st.just(""),
)


def test_no_form_or_filter_answers_a_server_error(cast, client):
    targets = _targets(cast, client)
    # The walk reaches the lists' filters and the object pages' forms.
    actions = {form.action for _, form in targets}
    assert reverse("organizations:directory") in actions
    assert reverse("messaging:received") in actions
    assert any(action.startswith("/utskrivning/") for action in actions)
    assert any(action.startswith("/sip/") for action in actions)

    # Every hostile value in every field of every form.
    failures = []
    for seat, form in targets:
        for value in HOSTILE:
            status = _send(client, seat, form, dict.fromkeys(form.fields, value))
            if status >= 500:
                failures.append(f"{form.method.upper()} {form.action} {value!r}: {status}")
    assert not failures, "\n".join(failures)

    # Generated values in a random choice of fields of a random form.
    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def generated(data):
        seat, form = data.draw(st.sampled_from(targets), label="form")
        chosen = data.draw(
            st.lists(st.sampled_from(form.fields), min_size=1, unique=True), label="fields"
        )
        sent = {name: data.draw(values, label=name) for name in chosen}
        status = _send(client, seat, form, sent)
        assert status < 500, f"{form.method.upper()} {form.action} {sent!r}: {status}"

    generated()
