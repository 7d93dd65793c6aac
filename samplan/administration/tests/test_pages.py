"""Who gets into each administration page: the administrator of the organisation (allowed),
an administrator of another organisation (404 for its objects), a plain user (403) and an
anonymous visitor (sent to log in)."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from samplan.accounts.models import Membership, Role
from samplan.testing import user_with_role

LOGIN = reverse("accounts:login")

# Pages about one object of Testkommun: (url name, how to find the object's id in the cast).
OBJECT_PAGES = [
    ("administration:user_list", lambda c: c.municipality.pk),
    ("administration:unit_tree", lambda c: c.municipality.pk),
    ("administration:history", lambda c: c.municipality.pk),
    ("administration:user_detail", lambda c: c.home_care_nurse.pk),
    ("administration:user_edit", lambda c: c.home_care_nurse.pk),
    ("administration:user_password", lambda c: c.home_care_nurse.pk),
    ("administration:user_deactivate", lambda c: c.home_care_nurse.pk),
    ("administration:user_history", lambda c: c.home_care_nurse.pk),
    ("administration:membership_add", lambda c: c.home_care_nurse.pk),
    ("administration:unit_detail", lambda c: c.home_care.pk),
    ("administration:unit_edit", lambda c: c.home_care.pk),
    ("administration:unit_history", lambda c: c.home_care.pk),
]
# Object pages for the organisation's system administrators only.
TREE_PAGES = [
    ("administration:unit_create", lambda c: c.municipality.pk),
    ("administration:unit_deactivate", lambda c: c.home_care.pk),
    ("administration:organization_edit", lambda c: c.municipality.pk),
]
POST_ONLY = [
    ("administration:user_reactivate", lambda c: c.home_care_nurse.pk),
    ("administration:user_unlock", lambda c: c.home_care_nurse.pk),
    ("administration:membership_end", lambda c: Membership.objects.get(user=c.home_care_nurse).pk),
    ("administration:unit_reactivate", lambda c: c.home_care.pk),
]
PAGES = ["administration:index", "administration:user_create"]

ids = lambda pages: [name.split(":")[1] for name, _ in pages]  # noqa: E731


def url(cast, name, find):
    return reverse(name, args=[find(cast)])


@pytest.mark.parametrize(("name", "find"), OBJECT_PAGES, ids=ids(OBJECT_PAGES))
def test_local_admin_of_the_organisation_gets_in(cast, login_as, client, name, find):
    login_as(cast.municipal_local_admin, cast.municipal_admin_unit)
    assert client.get(url(cast, name, find)).status_code == 200


@pytest.mark.parametrize(("name", "find"), TREE_PAGES, ids=ids(TREE_PAGES))
def test_system_admin_gets_into_tree_pages(cast, login_as, client, name, find):
    login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    assert client.get(url(cast, name, find)).status_code == 200


@pytest.mark.parametrize(("name", "find"), TREE_PAGES, ids=ids(TREE_PAGES))
def test_local_admin_is_refused_tree_pages(cast, login_as, client, name, find):
    login_as(cast.municipal_local_admin, cast.municipal_admin_unit)
    assert client.get(url(cast, name, find)).status_code == 403


@pytest.mark.parametrize(
    ("name", "find"),
    OBJECT_PAGES + TREE_PAGES + POST_ONLY,
    ids=ids(OBJECT_PAGES + TREE_PAGES + POST_ONLY),
)
def test_admin_of_another_organisation_finds_nothing(cast, login_as, client, name, find):
    login_as(cast.outsider_admin, cast.outsider_unit)
    target = url(cast, name, find)
    # A page answers GET with 404; only the POST-only actions may refuse GET itself (405).
    expected_get = 405 if (name, find) in POST_ONLY else 404
    assert client.get(target).status_code == expected_get
    assert client.post(target).status_code == 404


@pytest.mark.parametrize(
    ("name", "find"),
    OBJECT_PAGES + TREE_PAGES + POST_ONLY,
    ids=ids(OBJECT_PAGES + TREE_PAGES + POST_ONLY),
)
def test_plain_user_is_refused(cast, login_as, client, name, find):
    login_as(cast.home_care_nurse, cast.home_care)
    assert client.get(url(cast, name, find)).status_code == 403
    assert client.post(url(cast, name, find)).status_code == 403


@pytest.mark.parametrize(
    ("name", "find"),
    OBJECT_PAGES + TREE_PAGES + POST_ONLY,
    ids=ids(OBJECT_PAGES + TREE_PAGES + POST_ONLY),
)
def test_anonymous_is_sent_to_log_in(client, cast, name, find):
    response = client.get(url(cast, name, find))
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    response = client.post(url(cast, name, find))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


@pytest.mark.parametrize(("name", "find"), POST_ONLY, ids=ids(POST_ONLY))
def test_actions_need_post(cast, login_as, client, name, find):
    login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    assert client.get(url(cast, name, find)).status_code == 405


@pytest.mark.parametrize("name", PAGES)
def test_pages_are_for_administrators(cast, login_as, client, name):
    login_as(cast.home_care_nurse, cast.home_care)
    assert client.get(reverse(name)).status_code == 403
    client.logout()
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    login_as(cast.outsider_admin, cast.outsider_unit)
    assert client.get(reverse(name)).status_code == 200


def test_organisation_create_is_for_system_admins_and_superusers(cast, login_as, client):
    target = reverse("administration:organization_create")
    login_as(cast.municipal_local_admin, cast.municipal_admin_unit)
    assert client.get(target).status_code == 403
    login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    assert client.get(target).status_code == 200
    login_as(cast.superuser)
    assert client.get(target).status_code == 200


def test_index_lists_administered_organisations_only(cast, login_as, client):
    login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    html = client.get(reverse("administration:index")).content.decode()
    assert "Testkommun" in html and "Omsorg AB" in html
    assert "Annankommun" not in html and "Region Testland" not in html
    assert reverse("administration:user_list", args=[cast.municipality.pk]) in html
    assert reverse("administration:unit_tree", args=[cast.provider.pk]) in html
    assert reverse("administration:history", args=[cast.municipality.pk]) in html
    assert "Skapa organisation" in html


def test_nav_link_shows_for_administrators_only(cast, login_as, client):
    login_as(cast.home_care_nurse, cast.home_care)
    assert reverse("administration:index") not in client.get(reverse("core:home")).content.decode()
    login_as(cast.municipal_local_admin, cast.municipal_admin_unit)
    html = client.get(reverse("core:home")).content.decode()
    assert reverse("administration:index") in html and "Administrera" in html


class _Structure(HTMLParser):
    """Collects what the semantic-HTML rules are about: h1s, field ids, labels, th scopes."""

    def __init__(self) -> None:
        super().__init__()
        self.h1 = 0
        self.fields: list[str] = []
        self.labels: set[str] = set()
        self.unscoped_th = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "h1":
            self.h1 += 1
        elif tag == "label" and attrs.get("for"):
            self.labels.add(attrs["for"])
        elif tag in ("input", "select", "textarea") and attrs.get("type") not in (
            "hidden",
            "submit",
        ):
            self.fields.append(attrs.get("id", "<no id>"))
        elif tag == "th" and "scope" not in attrs:
            self.unscoped_th += 1


@pytest.mark.parametrize(
    ("name", "find"), OBJECT_PAGES + TREE_PAGES, ids=ids(OBJECT_PAGES + TREE_PAGES)
)
def test_pages_have_one_h1_labelled_fields_and_scoped_headers(cast, login_as, client, name, find):
    login_as(cast.municipal_system_admin, cast.municipal_admin_unit)
    structure = _Structure()
    structure.feed(client.get(url(cast, name, find)).content.decode())
    assert structure.h1 == 1
    # The header's unit switcher and the footer's language form are labelled by base.html.
    unlabelled = [f for f in structure.fields if f not in structure.labels]
    assert not unlabelled
    assert structure.unscoped_th == 0


def test_local_admin_reaches_other_units_of_the_organisation(cast, login_as, client):
    """The local admin's membership is in the care centre; the ward is another unit."""
    login_as(cast.region_local_admin, cast.care_centre)
    assert (
        client.get(reverse("administration:user_detail", args=[cast.ward_nurse.pk])).status_code
        == 200
    )
    assert client.get(reverse("administration:unit_detail", args=[cast.ward.pk])).status_code == 200
    assert (
        client.get(reverse("administration:unit_detail", args=[cast.home_care.pk])).status_code
        == 404
    )


@pytest.mark.parametrize("role", [Role.MANAGER, Role.SUPER_USER, Role.LOG_REVIEWER])
def test_other_roles_are_not_administrators(cast, login_as, client, role):
    user = user_with_role("chef", cast.home_care, role)
    login_as(user, cast.home_care)
    assert client.get(reverse("administration:index")).status_code == 403
    assert (
        client.get(
            reverse("administration:user_detail", args=[cast.home_care_nurse.pk])
        ).status_code
        == 403
    )
