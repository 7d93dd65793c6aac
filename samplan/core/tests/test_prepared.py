"""samplan.core.prepared: the same rows as the plain queryset, one statement per call, and no
cache where the parameters cannot be told apart (slower, never wrong)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from samplan.accounts.models import Membership, Role
from samplan.core.prepared import _NOT_CACHED, counted, prepared
from samplan.organizations.models import Organization, Unit, UnitKind
from samplan.testing import MembershipFactory, OrganizationFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@prepared
def units_named(*, organization_id: int, name: str) -> object:
    return Unit.objects.filter(organization_id=organization_id, name=name).order_by("pk")


@prepared(warm=lambda: [{"organization_ids": [1], "active": True}])
def units_of(*, organization_ids: list[int], active: bool) -> object:
    return (
        Unit.objects.filter(organization_id__in=organization_ids, is_active=active)
        .select_related("organization")
        .order_by("pk")
    )


@prepared
def unit_names(*, organization_id: int) -> object:
    return Unit.objects.filter(organization_id=organization_id).values_list("name", flat=True)


@prepared
def units_containing(*, text: str) -> object:
    return Unit.objects.filter(name__contains=text).order_by("pk")


@prepared
def memberships_from(*, user_id: int, since: datetime.date) -> object:
    return Membership.objects.filter(user_id=user_id, valid_from__gte=since).order_by("pk")


def _only_shape(function: object) -> object:
    (shape,) = function.shapes.values()
    (plan,) = shape.plans.values()
    return plan


def test_later_calls_give_their_own_rows_in_one_statement_each() -> None:
    first, second = OrganizationFactory(), OrganizationFactory()
    a = UnitFactory(organization=first, name="Avdelning 1")
    UnitFactory(organization=first, name="Avdelning 2")
    b = UnitFactory(organization=second, name="Avdelning 1")
    assert units_named(organization_id=first.pk, name="Avdelning 1") == [a]
    with CaptureQueriesContext(connection) as queries:
        assert units_named(organization_id=second.pk, name="Avdelning 1") == [b]
        assert units_named(organization_id=second.pk, name="Avdelning 2") == []
    assert len(queries) == 2
    assert _only_shape(units_named) is not _NOT_CACHED  # both values went in as parameters


def test_select_related_lists_and_booleans() -> None:
    first, second, third = OrganizationFactory(), OrganizationFactory(), OrganizationFactory()
    a = UnitFactory(organization=first)
    b = UnitFactory(organization=second)
    closed = UnitFactory(organization=third, is_active=False)
    assert units_of(organization_ids=[first.pk, second.pk], active=True) == [a, b]
    with CaptureQueriesContext(connection) as queries:
        rows = units_of(organization_ids=[second.pk, third.pk], active=True)
        assert rows == [b]
        assert rows[0].organization.name == second.name  # joined, no query of its own
    assert len(queries) == 1
    # The boolean and the list's length are part of the shape: new SQL, right rows.
    assert units_of(organization_ids=[second.pk, third.pk], active=False) == [closed]
    assert units_of(organization_ids=[third.pk], active=False) == [closed]
    assert units_of(organization_ids=[], active=False) == []
    lengths = {len(dict(key)["organization_ids"][1]) for key in units_of.shapes}
    assert {0, 1, 2} <= lengths


def test_start_up_compiles_the_usual_shapes_without_running_them() -> None:
    with CaptureQueriesContext(connection) as queries:
        units_named.compile(organization_id=1, name="x")
        units_of.compile(**units_of.samples()[0])
    assert not [q for q in queries.captured_queries if "organizations_unit" in q["sql"]]
    assert units_named.shapes and units_of.shapes


def test_values_list() -> None:
    organization = OrganizationFactory()
    UnitFactory(organization=organization, name="Hemtjänst Norr")
    other = OrganizationFactory()
    assert unit_names(organization_id=organization.pk) == ["Hemtjänst Norr"]
    assert unit_names(organization_id=other.pk) == []


def test_transformed_parameters_are_compiled_every_time() -> None:
    UnitFactory(name="Vårdcentralen Ekbacken")
    assert len(units_containing(text="Ekbacken")) == 1  # "%Ekbacken%" is not the argument
    assert _only_shape(units_containing) is _NOT_CACHED
    assert units_containing(text="Ekbackens") == []


def test_dates_are_parameters_or_compiled() -> None:
    user = UserFactory()
    unit = UnitFactory(kind=UnitKind.HOME_CARE)
    today = timezone.localdate()
    old = MembershipFactory(
        user=user, unit=unit, role=Role.USER, valid_from=today.replace(year=2020)
    )
    new = MembershipFactory(user=user, unit=unit, role=Role.MANAGER, valid_from=today)
    assert memberships_from(user_id=user.pk, since=today.replace(year=2019)) == [old, new]
    assert memberships_from(user_id=user.pk, since=today) == [new]
    assert memberships_from(user_id=user.pk, since=today + datetime.timedelta(days=1)) == []


def test_a_value_read_inside_the_function_is_not_frozen() -> None:
    calls = []

    @prepared
    def units_created_before(*, organization_id: int) -> object:
        now = timezone.now()  # breaks the rule; the two compilations differ, so no cache
        calls.append(now)
        return Unit.objects.filter(organization_id=organization_id, created_at__lt=now)

    organization = OrganizationFactory()
    unit = UnitFactory(organization=organization)
    assert units_created_before(organization_id=organization.pk) == [unit]
    assert _only_shape(units_created_before) is _NOT_CACHED


def test_arguments_must_be_plain_values() -> None:
    organization = OrganizationFactory()
    with pytest.raises(TypeError, match="pass its id"):
        units_named(organization_id=organization, name="x")
    with pytest.raises(TypeError, match="keyword arguments only"):
        units_named(organization.pk, "x")


def test_an_organization_query_with_many_shapes_stays_bounded() -> None:
    organization = OrganizationFactory()
    for size in range(1, 80):
        assert units_of(organization_ids=[organization.pk] * size, active=True) == []
    assert len(units_of.shapes) <= 64
    assert Organization.objects.filter(pk=organization.pk).exists()


@prepared(shape=("limit",))
def first_units(*, organization_id: int, limit: int) -> object:
    return Unit.objects.filter(organization_id=organization_id).order_by("pk")[:limit]


def test_a_shape_argument_is_written_into_the_sql() -> None:
    organization = OrganizationFactory()
    a, b, c = (UnitFactory(organization=organization) for _ in range(3))
    assert first_units(organization_id=organization.pk, limit=1) == [a]
    assert first_units(organization_id=organization.pk, limit=2) == [a, b]
    assert first_units(organization_id=organization.pk, limit=5) == [a, b, c]
    assert len(first_units.shapes) == 3


@prepared
def units_counted(*, organization_id: int) -> object:
    return counted(Unit.objects.filter(organization_id=organization_id))


def test_a_prepared_count() -> None:
    organization, empty = OrganizationFactory(), OrganizationFactory()
    UnitFactory(organization=organization)
    UnitFactory(organization=organization)
    assert units_counted(organization_id=organization.pk) == [2]
    assert units_counted(organization_id=empty.pk) == [0]
    assert _only_shape(units_counted) is not _NOT_CACHED


@prepared
def units_by_kind(*, organization_id: int, kind: str = "home_care") -> object:
    return Unit.objects.filter(organization_id=organization_id, kind=kind)


def test_the_start_up_shape_is_the_one_calls_use() -> None:
    units_by_kind.compile(organization_id=1)  # as warm_up(): the defaults left out
    organization = OrganizationFactory()
    unit = UnitFactory(organization=organization, kind=UnitKind.HOME_CARE)
    assert units_by_kind(kind="home_care", organization_id=organization.pk) == [unit]
    assert units_by_kind(organization_id=organization.pk, kind="nursing_home") == []
    assert len(units_by_kind.shapes) == 1


@prepared
def memberships_between(*, user_id: int, since: datetime.date, until: datetime.date) -> object:
    return Membership.objects.filter(
        user_id=user_id, valid_from__gte=since, valid_from__lte=until
    ).order_by("pk")


def test_two_arguments_shifted_onto_one_value_are_not_cached() -> None:
    user = UserFactory()
    unit = UnitFactory(kind=UnitKind.HOME_CARE)
    today = timezone.localdate()
    membership = MembershipFactory(user=user, unit=unit, role=Role.USER, valid_from=today)
    day = datetime.timedelta(days=1)
    memberships_between.shapes.clear()  # the start-up warm-up (another test) may have run it
    # since and until are shifted by 2 and 3 days: both land on today + 2, no telling apart.
    assert memberships_between(user_id=user.pk, since=today, until=today - day) == []
    assert _only_shape(memberships_between) is _NOT_CACHED
    assert memberships_between(user_id=user.pk, since=today - day, until=today) == [membership]


def test_result_converters_are_worked_out_once_per_plan(monkeypatch) -> None:
    """Later runs reuse the converters, and the rows are still converted (SQLite gives
    booleans as integers)."""
    from django.db.models.sql.compiler import SQLCompiler

    first, second = OrganizationFactory(), OrganizationFactory()
    a = UnitFactory(organization=first)
    b = UnitFactory(organization=second, is_active=False)
    assert units_of(organization_ids=[first.pk], active=True) == [a]
    calls = []
    original = SQLCompiler.get_converters

    def counting(self, expressions):
        calls.append(len(expressions))
        return original(self, expressions)

    monkeypatch.setattr(SQLCompiler, "get_converters", counting)
    rows = units_of(organization_ids=[second.pk], active=False)
    assert rows == [b] and rows[0].is_active is False
    assert rows[0].organization.name == second.name
    assert units_of(organization_ids=[first.pk], active=True)[0].is_active is True
    assert calls == []  # the first call's converters served both


@prepared
def memberships_in(*, unit_id: int) -> object:
    return (
        Membership.objects.filter(unit_id=unit_id)
        .select_related("unit__organization", "ended_by", "user")
        .only(
            "role",
            "valid_from",
            "unit_id",
            "user_id",
            "ended_by_id",
            "unit__name",
            "unit__organization__name",
            "ended_by__username",
            "user__username",
        )
        .order_by("pk")
    )


def _loaded(instance: object) -> dict:
    """An instance as loaded: its own values, what it cached of its relations (recursively)
    and which fields are deferred."""
    values = {k: v for k, v in instance.__dict__.items() if k != "_state"}
    cached = {
        name: None if related is None else _loaded(related)
        for name, related in instance._state.fields_cache.items()
    }
    state = (instance._state.adding, instance._state.db)
    return {
        "values": values,
        "cached": cached,
        "deferred": instance.get_deferred_fields(),
        "state": state,
    }


def test_model_rows_are_built_as_django_builds_them() -> None:
    """The plan's own row builder gives what Django's ModelIterable gives: the same loaded
    values, the same deferred fields, the same select_related instances (None for a missing
    nullable one), and instances that save and reload like any other."""
    unit = UnitFactory()
    ender = UserFactory(username="avslutare")
    ended = MembershipFactory(unit=unit, role=Role.USER, ended_by=ender)
    open_one = MembershipFactory(unit=unit, role=Role.MANAGER)
    MembershipFactory(role=Role.USER)  # another unit's
    rows = memberships_in(unit_id=unit.pk)  # the first call compiles
    assert _only_shape(memberships_in).builder is not None
    with CaptureQueriesContext(connection) as queries:
        rows = memberships_in(unit_id=unit.pk)
    assert len(queries) == 1
    plain = list(memberships_in.__wrapped__(unit_id=unit.pk))
    assert [_loaded(row) for row in rows] == [_loaded(row) for row in plain]
    assert [row.pk for row in rows] == [ended.pk, open_one.pk]
    assert rows[0].ended_by.username == "avslutare" and rows[1].ended_by is None
    assert rows[0].unit.organization.name == unit.organization.name
    assert "valid_to" in rows[0].get_deferred_fields()
    with CaptureQueriesContext(connection) as queries:
        assert rows[0].valid_to == ended.valid_to  # deferred: loaded when read, as Django does
    assert len(queries) == 1
    rows[1].role = Role.USER
    rows[1].save(update_fields=["role"])
    assert Membership.objects.get(pk=open_one.pk).role == Role.USER


def test_rows_go_through_django_when_something_listens_for_new_instances() -> None:
    from django.db.models.signals import post_init

    unit = UnitFactory(name="Lyssnad")
    seen = []

    def listener(sender: type, instance: object, **kwargs: object) -> None:
        seen.append(instance)

    post_init.connect(listener, sender=Unit)
    try:
        assert units_named(organization_id=unit.organization_id, name="Lyssnad") == [unit]
        (shape,) = [s for s in units_named.shapes.values()]
        plan = shape.plans[connection.alias]
        if plan.builder is not None:  # compiled before the listener (another test)
            plan.builder = type(plan.builder).for_plan(shape.queryset, plan.compiler)
        assert plan.builder is None
        seen.clear()
        assert units_named(organization_id=unit.organization_id, name="Lyssnad") == [unit]
        assert len(seen) == 1  # built by Django: post_init was sent
    finally:
        post_init.disconnect(listener, sender=Unit)


def test_values_rows_have_no_model_builder() -> None:
    organization = OrganizationFactory()
    UnitFactory(organization=organization)
    unit_names(organization_id=organization.pk)
    assert _only_shape(unit_names).builder is None


@prepared
def units_with_members(*, organization_id: int) -> object:
    return (
        Unit.objects.filter(organization_id=organization_id)
        .annotate(members=Count("memberships"))
        .order_by("pk")
    )


def test_annotations_are_set_on_built_rows() -> None:
    organization = OrganizationFactory()
    busy, quiet = UnitFactory(organization=organization), UnitFactory(organization=organization)
    MembershipFactory(unit=busy)
    MembershipFactory(unit=busy)
    units_with_members(organization_id=organization.pk)
    assert _only_shape(units_with_members).builder is not None
    rows = units_with_members(organization_id=organization.pk)
    assert [(row.pk, row.members) for row in rows] == [(busy.pk, 2), (quiet.pk, 0)]
    plain = list(units_with_members.__wrapped__(organization_id=organization.pk))
    assert [_loaded(row) for row in rows] == [_loaded(row) for row in plain]
