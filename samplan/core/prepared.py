"""Hot read queries compiled to SQL once per process, run with each call's values.

Building a queryset and compiling it to SQL is pure Python work that gives the same SQL every
time a page asks the same question for another unit, case or message: on the case, message
and SIP plan pages it was about a third of the request's CPU (about 1 ms per query with
select_related), far more than the database's work. A function decorated with `@prepared`
builds its queryset as usual; the first call with a given *shape* of arguments compiles it,
and later calls only put their values into the cached SQL's parameters and run it through
Django's own result iterator (values() and values_list() as usual; prefetch_related still
runs its own queries), or, for plain model rows, through the plan's own _RowBuilder (below).
The queries are the same statements as before, one per call, so pinned query counts do not
change.

Rules for a prepared function (checked where it can be):
- It takes keyword arguments only, and returns a QuerySet built from them alone: no clock,
  no settings, no database reads inside (a value that is not an argument would be frozen
  into the cache). Pass `now` and the like as arguments.
- Arguments are plain values: int, str, datetime, date, UUID, None, bool, or a list/tuple of
  those. None, booleans, the empty string ("no filter") and the length of a list are part
  of the shape (they change the SQL); the other values are the parameters. An argument that
  is written into the SQL itself (a LIMIT, a choice between orderings) is named in
  `@prepared(shape=("limit",))`: its value is part of the shape.
- Callers get a list (the queryset is evaluated), never a queryset to refine further: a
  filter added afterwards would not be in the cached SQL.

How the parameters are found: the first call compiles the queryset twice, with the caller's
values and with every value shifted (id + 1,000,003, text + a marker character, time + a few
microseconds). Each parameter that differs between the two must be exactly one argument's
value in both; the rest are constants of the code. When that does not hold (a value
transformed on its way to SQL, as in `__contains` or SQLite's text dates; a clock read inside;
SQL that changes with the values), the shape is not cached and every call compiles as before:
slower, never wrong.

Start-up: `warm_up()` compiles every prepared function's usual shape before gunicorn forks
its workers (samplan.core.warmup), so a fresh worker's first page does not compile twice.
The sample arguments come from the function's defaults and type hints (an id 1, text "x",
now); a function whose usual shape differs from that (an empty search, a LIMIT) names its
samples in `@prepared(warm=lambda: [{...}])`.
"""

from __future__ import annotations

import copy
import datetime
import functools
import inspect
import types
import typing
import uuid
from collections.abc import Callable
from typing import Any, ParamSpec

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, Model, QuerySet, Value, signals
from django.db.models.base import ModelState
from django.db.models.query import ModelIterable
from django.db.models.sql.constants import MULTI
from django.utils import timezone

P = ParamSpec("P")

# Shapes kept per function: a list argument gives one shape per length.
MAX_SHAPES = 64
_INT_SHIFT = 1_000_003
_TEXT_MARK = "\u2063"  # invisible separator: never in real data passed as a parameter

_NOT_CACHED = object()


class _RowBuilder:
    """Model instances, with their select_related instances, from a plan's rows: what
    Django's ModelIterable and RelatedPopulator do, worked out once per plan instead of on
    every run, and without Model.__init__.

    Model.from_db calls Model.__init__, which sends pre_init and post_init and sets every
    field through setattr, one by one: on the case page that was half of a small query's
    CPU (a delivery row is five instances: the delivery, its unit and organisation, and two
    users). Here an instance is its class's __new__ with the loaded columns put in its
    __dict__ and a ModelState saying it came from the database, as __init__ leaves it: a
    column not selected (only()) is not set, so it stays deferred, as with DEFERRED. The
    setattr that this skips matters only for a foreign key's id (ForeignKeyDeferredAttribute
    clears a cached related object that no longer matches) and a new instance has none.
    Annotations are set with setattr, as ModelIterable sets them.
    `for_plan` gives None, and the plan runs through Django's iterator, for anything else:
    another iterable (values()), prefetch_related, known related objects, multi-table
    inheritance, a model with its own from_db or __init__, or init signal receivers.
    """

    def __init__(
        self,
        klass_info: dict,
        select: list,
        *,
        annotations: tuple[tuple[str, int], ...] = (),
        local_setter: Any = None,
        remote_setter: Any = None,
    ) -> None:
        self.model = klass_info["model"]
        # The top model's annotate() values: (attribute, column), set as ModelIterable does.
        self.annotations = annotations
        columns = klass_info["select_fields"]
        self.start, self.end = columns[0], columns[-1] + 1
        self.attnames = tuple(select[i][0].target.attname for i in range(self.start, self.end))
        # A missing related row (a nullable foreign key) has NULL in its primary key's column.
        self.pk_column = self.start + self.attnames.index(self.model._meta.pk.attname)
        self.local_setter = local_setter
        self.remote_setter = remote_setter
        self.related = [
            _RowBuilder(
                info,
                select,
                local_setter=info["local_setter"],
                remote_setter=info["remote_setter"],
            )
            for info in klass_info.get("related_klass_infos", ())
        ]

    @classmethod
    def for_plan(cls, queryset: QuerySet, compiler: Any) -> _RowBuilder | None:
        if (
            queryset._iterable_class is not ModelIterable
            or queryset._prefetch_related_lookups
            or queryset._known_related_objects
            or compiler.klass_info is None
        ):
            return None
        infos = [compiler.klass_info]
        for info in infos:
            if info.get("from_parent") or not _builds_plainly(info["model"]):
                return None
            columns = info["select_fields"]
            if list(columns) != list(range(columns[0], columns[-1] + 1)):
                return None
            infos.extend(info.get("related_klass_infos", ()))
        annotations = tuple((compiler.annotation_col_map or {}).items())
        return cls(compiler.klass_info, compiler.select, annotations=annotations)

    def build(self, row: Any, db: str) -> Model:
        model = self.model
        instance = model.__new__(model)
        state = ModelState()
        state.adding = False
        state.db = db
        values = instance.__dict__
        values["_state"] = state
        values.update(zip(self.attnames, row[self.start : self.end], strict=True))
        for related in self.related:
            other = None if row[related.pk_column] is None else related.build(row, db)
            related.local_setter(instance, other)
            if other is not None:
                related.remote_setter(other, instance)
        for name, column in self.annotations:
            setattr(instance, name, row[column])
        return instance

    def rows(self, compiler: Any, db: str) -> list[Model]:
        build = self.build
        return [build(row, db) for row in compiler.results_iter(compiler.execute_sql(MULTI))]


def _builds_plainly(model: type[Model]) -> bool:
    """Model.from_db would build the model as _RowBuilder does: neither from_db nor __init__
    is its own, and nothing listens for its instances being made."""
    return (
        model.from_db.__func__ is Model.from_db.__func__
        and model.__init__ is Model.__init__
        and not signals.pre_init.has_listeners(model)
        and not signals.post_init.has_listeners(model)
    )


class _Plan:
    """One shape's compiled query: the compiler as left by as_sql (its select, klass_info
    and column count, which the result iterators read), the SQL, where each argument's
    value goes among the parameters, and the rows' _RowBuilder when it can build them."""

    def __init__(
        self,
        compiler: Any,
        sql: str,
        params: tuple,
        slots: list[tuple[int, tuple]],
        builder: _RowBuilder | None = None,
    ):
        self.compiler = compiler
        self.sql = sql
        self.params = params
        self.slots = slots  # (parameter index, path to the value: (name,) or (name, i))
        self.builder = builder
        # The result converters Django works out for the selected columns on every run (a
        # look-up per column in the backend and the field: about 400 on the case page):
        # (connection, the columns' identities, converters), kept from the last run.
        self.converters: tuple[object, tuple[int, ...], dict] | None = None

    def bind(self, values: dict[str, Any], alias: str) -> Any:
        params = list(self.params)
        for index, path in self.slots:
            params[index] = _leaf(values, path)
        compiler = copy.copy(self.compiler)
        compiler.connection = connections[alias]
        compiler.using = alias
        sql = self.sql
        compiler.as_sql = lambda *args, **kwargs: (sql, tuple(params))
        compiler.get_converters = functools.partial(self._converters_for, compiler)
        return compiler

    def _converters_for(self, compiler: Any, expressions: list) -> dict:
        """SQLCompiler.get_converters, kept while the connection (converters may be bound to
        it) and the selected expressions (the plan's own, shared by its copies) are the same.
        """
        key = tuple(map(id, expressions))
        kept = self.converters
        if kept is not None and kept[0] is compiler.connection and kept[1] == key:
            return kept[2]
        converters = type(compiler).get_converters(compiler, expressions)
        self.converters = (compiler.connection, key, converters)
        return converters


def _shape_of(value: Any) -> Any:
    if value is None or isinstance(value, bool) or value == "":
        return value
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(_shape_of(item) for item in value))
    if isinstance(value, int | str | datetime.datetime | datetime.date | uuid.UUID):
        return type(value).__name__
    raise TypeError(
        f"A prepared query takes plain values, not {type(value).__name__} (pass its id)."
    )


def _shifted(value: Any, step: int) -> Any:
    """Another value of the same kind, different from every other argument's shift."""
    if value is None or isinstance(value, bool) or value == "":
        return value
    if isinstance(value, list | tuple):
        return type(value)(_shifted(item, step * 1000 + i + 1) for i, item in enumerate(value))
    if isinstance(value, int):
        return value + _INT_SHIFT * step
    if isinstance(value, str):
        return f"{value}{_TEXT_MARK}{step}"
    if isinstance(value, datetime.datetime):
        return value + datetime.timedelta(microseconds=step)
    if isinstance(value, datetime.date):
        return value + datetime.timedelta(days=step)
    return uuid.UUID(int=(value.int + step) % (1 << 128))


def _paths(values: dict[str, Any]) -> list[tuple[tuple, Any]]:
    """Every parameter-like leaf of the arguments, with its path."""
    leaves = []
    for name, value in values.items():
        if isinstance(value, list | tuple):
            leaves.extend(((name, i), item) for i, item in enumerate(value))
        elif value is not None and not isinstance(value, bool) and value != "":
            leaves.append(((name,), value))
    return leaves


def _leaf(values: dict[str, Any], path: tuple) -> Any:
    value = values[path[0]]
    return value if len(path) == 1 else value[path[1]]


def _compile(queryset: QuerySet, alias: str) -> tuple[Any, str, tuple]:
    compiler = queryset.query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    return compiler, sql, tuple(params)


def _make_plan(
    build: Callable[..., QuerySet], values: dict[str, Any], alias: str, fixed: frozenset[str]
) -> Any:
    """Compile the shape for real and shifted values; a _Plan, or _NOT_CACHED when the
    parameters cannot all be explained as constants or as one argument's value."""
    shifted = {
        name: value if name in fixed else _shifted(value, step)
        for step, (name, value) in enumerate(values.items(), 1)
    }
    try:
        queryset = build(**values)
        compiler, sql, params = _compile(queryset, alias)
        _, shifted_sql, shifted_params = _compile(build(**shifted), alias)
    except EmptyResultSet:
        return _NOT_CACHED
    if sql != shifted_sql or len(params) != len(shifted_params):
        return _NOT_CACHED
    by_shifted_value: dict[tuple[type, Any], tuple] = {}
    for path, _value in _paths({k: v for k, v in values.items() if k not in fixed}):
        leaf = _leaf(shifted, path)
        if (type(leaf), leaf) in by_shifted_value:
            return _NOT_CACHED  # two arguments shifted onto one value: cannot tell them apart
        by_shifted_value[(type(leaf), leaf)] = path
    slots = []
    for index, (param, shifted_param) in enumerate(zip(params, shifted_params, strict=True)):
        if type(param) is type(shifted_param) and param == shifted_param:
            continue  # a constant of the code
        path = by_shifted_value.get((type(shifted_param), shifted_param))
        if path is None:
            return _NOT_CACHED
        real = _leaf(values, path)
        if type(param) is not type(real) or param != real:
            return _NOT_CACHED
        slots.append((index, path))
    return _Plan(compiler, sql, params, slots, _RowBuilder.for_plan(queryset, compiler))


def counted(queryset: QuerySet, *, of: str = "pk") -> QuerySet:
    """The number of the queryset's rows as a one-value queryset, for a prepared count
    (QuerySet.count() returns a number, not a queryset to prepare): SELECT COUNT(pk) with
    the queryset's joins and conditions, no ordering, no grouping. Give it the filtered
    queryset without annotations, as count() would drop them. `of`: another column that is
    never null, one an index holds, so that PostgreSQL counts from the index alone."""
    return (
        queryset.order_by()
        .values(_one=Value(1))
        .annotate(_count=Count(of))
        .values_list("_count", flat=True)
    )


class _Shape:
    """What one shape of arguments keeps: an unevaluated queryset to clone (its filters are
    not used, only its model, its result class, select_related and prefetch_related), and
    the compiled plan per database alias."""

    def __init__(self, queryset: QuerySet):
        self.queryset = queryset
        self.plans: dict[str, Any] = {}


def _run_copy(queryset: QuerySet) -> QuerySet:
    """A copy of a shape's queryset for one run: its own result cache and its own Query
    object, whose get_compiler the run replaces with the plan's bound compiler.

    Not a clone (QuerySet._chain): a clone copies the query's filters, joins and
    select_related (deeply) so that they can be refined, which a prepared run never does; it
    only reads them, and the SQL comes from the plan. Cloning was a sixth of a small prepared
    query's CPU, and the case page runs eight of them.
    """
    query = object.__new__(type(queryset.query))
    query.__dict__.update(queryset.query.__dict__)
    copied = object.__new__(type(queryset))
    copied.__dict__.update(queryset.__dict__)
    copied._query = query
    copied._result_cache = None
    copied._prefetch_done = False
    return copied


# Every prepared function, for the start-up's warm_up().
_registry: list[Any] = []


def _sample(hint: Any) -> Any:
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    samples = {
        int: 1,
        str: "x",
        datetime.datetime: timezone.now(),
        datetime.date: timezone.localdate(),
        uuid.UUID: uuid.UUID(int=1),
    }
    if hint not in samples:
        raise TypeError(f"no sample value for {hint!r}")
    return samples[hint]


def _samples_of(build: Callable[..., QuerySet]) -> list[dict[str, Any]]:
    """One sample call from the function's defaults and type hints."""
    hints = typing.get_type_hints(build)
    values = {}
    for name, parameter in inspect.signature(build).parameters.items():
        if parameter.default is not inspect.Parameter.empty:
            values[name] = parameter.default
        else:
            values[name] = _sample(hints[name])
    return [values]


def warm_up() -> int:
    """Compile the usual shape of every prepared function imported so far, without running
    anything (compiling may ask PostgreSQL its version: the caller closes the connection)."""
    shapes = 0
    for run in _registry:
        for values in run.samples():
            run.compile(**values)
            shapes += 1
    return shapes


def prepared(
    build: Callable[P, QuerySet] | None = None,
    *,
    shape: tuple[str, ...] = (),
    warm: Callable[[], list[dict[str, Any]]] | None = None,
) -> Any:
    """Decorate a function that builds a read queryset from keyword arguments; calling it
    returns the queryset's rows as a list, compiling the SQL once per shape (module doc).
    `shape` names the arguments whose values are written into the SQL (a LIMIT); `warm`
    gives the start-up's sample calls when defaults and type hints would not (module doc)."""
    if build is None:
        return functools.partial(prepared, shape=shape, warm=warm)
    fixed = frozenset(shape)
    shapes: dict[tuple, _Shape] = {}
    defaults = {
        name: parameter.default
        for name, parameter in inspect.signature(build).parameters.items()
        if parameter.default is not inspect.Parameter.empty
    }

    def plan_for(values: dict[str, Any]) -> tuple[QuerySet, str, Any]:
        """This call's queryset to run (a clone), its database alias and its shape's plan.
        `values` has every default filled in, so a call's shape does not depend on whether a
        default was given or left out, nor (sorted) on the order of its arguments: the
        start-up's samples and the pages' calls meet."""
        key = tuple(
            sorted(
                (name, value if name in fixed else _shape_of(value))
                for name, value in values.items()
            )
        )
        found = shapes.get(key)
        if found is None:
            found = _Shape(build(**values))
            if len(shapes) < MAX_SHAPES:
                shapes[key] = found
        queryset = _run_copy(found.queryset)
        alias = queryset.db  # the router's choice for this call (primary or replica)
        plan = found.plans.get(alias)
        if plan is None:
            plan = found.plans[alias] = _make_plan(build, values, alias, fixed)
        return queryset, alias, plan

    @functools.wraps(build)
    def run(*args: P.args, **values: P.kwargs) -> list:
        if args:
            raise TypeError(f"{build.__name__}() takes keyword arguments only")
        values = {**defaults, **values}
        queryset, alias, plan = plan_for(values)
        if plan is _NOT_CACHED:
            return list(build(**values))
        compiler = plan.bind(values, alias)
        if plan.builder is not None:
            return plan.builder.rows(compiler, alias)
        query = queryset.query  # a clone: the compiler it gives is this call's only
        query.get_compiler = lambda *args, **kwargs: compiler
        return list(queryset)

    def compile_only(**values: Any) -> None:
        plan_for({**defaults, **values})

    run.shapes = shapes  # for tests: which shapes were compiled, and how
    run.compile = compile_only
    run.samples = warm or functools.partial(_samples_of, build)
    _registry.append(run)
    return run
