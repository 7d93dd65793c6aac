"""Load at start-up what Django otherwise loads on a process's first request.

Django compiles templates, reads translation catalogues, builds the URL resolvers and reads
the static files' manifest lazily, the first time a request needs them: a fresh web worker's
first page cost ten times a warm one (bench/RESULTS.md). samplan.wsgi calls `warm_up()` once
when the application is loaded; gunicorn runs with --preload (deploy/samplan-web.service), so
that happens once in the master process and every worker forked from it, also one that
replaces a worker after --max-requests, starts warm.

Nothing here reads or writes rows. Compiling a query may ask PostgreSQL its version, so the
connection that opens is closed at the end: a connection opened before the fork would be
shared by the workers.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import connections
from django.http import Http404
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.template.backends.django import DjangoTemplates
from django.template.loaders.cached import Loader as CachedLoader
from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter
from django.utils import translation

from samplan.core import prepared


def warm_up() -> dict[str, int]:
    """Compiles every project template, loads every language's catalogues, builds the URL
    resolvers and reads the static manifest. Returns what it loaded (for the bench)."""
    loaded = {
        "templates": _templates(),
        "languages": _translations(),
        "url_patterns": _urls(),
        "form_widgets": _form_widgets(),
        "modules": _modules(),
        "models": _models(),
        "prepared_queries": prepared.warm_up(),
    }
    _static_manifest()
    _settings_imports()
    connections.close_all()  # a forked worker must open its own connection
    return loaded


def start_worker() -> None:
    """What a freshly forked worker does before it takes its first request: copies the
    master's memory it shares (see `copy_shared_memory`; SAMPLAN_COPY_SHARED_MEMORY=0 leaves
    it shared, where memory counts more than a restarted worker's first request) and opens
    its database connection."""
    if os.environ.get("SAMPLAN_COPY_SHARED_MEMORY", "1") != "0":
        copy_shared_memory()
    connect_in_worker()


def connect_in_worker() -> None:
    """Open the default database connection in a freshly forked worker. A database that is
    down now is not the worker's start-up's problem: the first request connects (or shows
    its error page) as it would have anyway."""
    from django.db import DatabaseError

    try:
        connections["default"].ensure_connection()
    except DatabaseError:
        connections["default"].close()


# madvise(2) advice (Linux 5.14 and newer): fault the range in writable, as a write would.
_MADV_POPULATE_WRITE = 23
_PAGE_PRESENT = 1 << 63


def copy_shared_memory() -> int:
    """Makes the worker's own copy, now, of every page it shares with the master. Returns
    the number of bytes copied (0 where the system cannot: not Linux, an old kernel).

    After the fork, the worker shares the master's memory copy-on-write. Python writes to
    an object every time it takes a reference to it (its reference count), so the worker's
    first request wrote to thousands of pages that held the master's warmed objects, and
    the kernel copied each of them on the spot: about 4,500 page faults, which made that
    request cost three times a warm one (bench/warm_workers.py). Copying them at start-up,
    before the worker accepts a request, moves that cost out of the request. The price is
    memory: the worker no longer shares the master's pages (measured in bench/RESULTS.md).
    Only pages the master has touched are copied; untouched address space stays unmapped.
    """
    try:
        import ctypes
        import mmap

        libc = ctypes.CDLL(None, use_errno=True)
        libc.madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
        page = mmap.PAGESIZE
        maps = Path("/proc/self/maps").read_text().splitlines()
        pagemap = open("/proc/self/pagemap", "rb")  # noqa: SIM115  (closed below)
    except (OSError, AttributeError):
        return 0
    copied = 0
    with pagemap:
        for start, end in _private_writable_ranges(maps):
            pagemap.seek(start // page * 8)
            entries = memoryview(pagemap.read((end - start) // page * 8)).cast("Q")
            run_start = None
            for index in range(len(entries) + 1):
                present = index < len(entries) and entries[index] & _PAGE_PRESENT
                if present and run_start is None:
                    run_start = index
                elif not present and run_start is not None:
                    length = (index - run_start) * page
                    if libc.madvise(start + run_start * page, length, _MADV_POPULATE_WRITE):
                        return copied  # EINVAL: a kernel without it; nothing else to try
                    copied += length
                    run_start = None
    return copied


def _private_writable_ranges(maps: list[str]) -> list[tuple[int, int]]:
    """The address ranges of /proc/self/maps lines that are private and writable: the
    Python heap, the allocator's arenas and the libraries' data (not the stack, nor the
    kernel's [vvar] and [vdso] pages)."""
    ranges = []
    for line in maps:
        fields = line.split()
        perms = fields[1]
        name = fields[5] if len(fields) > 5 else ""
        if perms[0:2] != "rw" or perms[3] != "p":
            continue
        if name.startswith("[") and name != "[heap]":
            continue
        start, end = (int(address, 16) for address in fields[0].split("-"))
        ranges.append((start, end))
    return ranges


def _template_names(engine: DjangoTemplates) -> list[str]:
    """The names of the templates in the engine's directories (the project's apps and
    Django's own apps in INSTALLED_APPS)."""
    names = []
    for directory in engine.template_dirs:
        root = Path(directory)
        names += [
            path.relative_to(root).as_posix()
            for path in root.rglob("*")
            if path.is_file() and path.suffix in (".html", ".txt", ".xml", ".svg")
        ]
    return sorted(set(names))


def _templates() -> int:
    count = 0
    for engine in engines.all():
        if not isinstance(engine, DjangoTemplates):
            continue
        if not any(isinstance(loader, CachedLoader) for loader in engine.engine.template_loaders):
            continue  # DEBUG's plain loaders read the file on every request anyway
        for name in _template_names(engine):
            try:
                engine.get_template(name)
            except (TemplateDoesNotExist, TemplateSyntaxError, UnicodeDecodeError):
                continue  # e.g. a template of an app not installed, or not a template at all
            count += 1
    return count


def _translations() -> int:
    current = translation.get_language()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Log in")  # loads the catalogues of every app for the language
    translation.activate(current or settings.LANGUAGE_CODE)
    return len(settings.LANGUAGES)


def _urls() -> int:
    resolver = get_resolver()
    namespaces = _namespaces(resolver)
    for language in (code for code, _name in settings.LANGUAGES):
        with translation.override(language):
            resolver.reverse_dict  # noqa: B018  (built per language on first use)
            for namespace, inner in namespaces:
                # Reversing a name in a namespace under a prefix (`accounts:` under `konto/`)
                # builds a resolver of its own, and its lookups, on first use; and each URL's
                # pattern is compiled (and cached) the first time it is reversed. That was most
                # of what a worker's first page still cost over a warm one.
                for name, kwargs in _sample_reversals(inner):
                    with contextlib.suppress(NoReverseMatch):
                        reverse(f"{namespace}:{name}" if namespace else name, kwargs=kwargs)
    with contextlib.suppress(Http404):  # only warming: compiles the patterns on the way
        resolver.resolve("/")
    return len(resolver.url_patterns)


def _namespaces(resolver: URLResolver, prefix: str = "") -> list[tuple[str, URLResolver]]:
    """The resolver and every namespace under it (nested ones as `outer:inner`)."""
    found = [(prefix.removesuffix(":"), resolver)]
    for name, (_pattern, inner) in resolver.namespace_dict.items():
        found += _namespaces(inner, f"{prefix}{name}:")
    return found


def _sample_reversals(resolver: URLResolver) -> list[tuple[str, dict[str, object]]]:
    """Each URL name of the resolver (not its namespaces) with arguments its converters take."""
    samples = []
    for name, possibilities in resolver.reverse_dict.lists():
        if not isinstance(name, str):
            continue  # the same URLs, keyed by their view
        for _bits, _pattern, _defaults, converters in possibilities:
            kwargs = {key: _sample_value(converter) for key, converter in converters.items()}
            samples.append((name, kwargs))
    return samples


def _sample_value(converter: object) -> object:
    if isinstance(converter, IntConverter):
        return 1
    if isinstance(converter, UUIDConverter):
        return uuid.UUID(int=1)
    return "a"


# Modules not to import here: not on a request's path (tests, migrations, commands, the demo
# and test data), or the server's entry points, which call the warm-up.
_NOT_ON_A_REQUESTS_PATH = (
    ".tests",
    ".migrations",
    ".management",
    ".demo",
    "testing",
    "run_demo",
    "samplan.wsgi",
    "samplan.asgi",
)


def _modules() -> int:
    """Imports the project's modules that a request may import inside a function (the
    access log's chain, the task modules, the context processors): importing one costs a
    worker's first request several milliseconds."""
    import importlib
    import pkgutil

    import samplan

    count = 0
    for module in pkgutil.walk_packages(samplan.__path__, "samplan."):
        name = module.name
        if any(part in name for part in _NOT_ON_A_REQUESTS_PATH) or name.endswith("settings"):
            continue
        importlib.import_module(name)
        count += 1
    for engine in engines.all():
        if isinstance(engine, DjangoTemplates):
            engine.engine.template_context_processors  # noqa: B018  (imported on first use)
    return count


class _Widgets(forms.Form):
    text = forms.CharField()
    area = forms.CharField(widget=forms.Textarea)
    number = forms.IntegerField()
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    tick = forms.BooleanField()
    choice = forms.ChoiceField(choices=[("a", "a")], widget=forms.RadioSelect)
    many = forms.MultipleChoiceField(choices=[("a", "a")], widget=forms.CheckboxSelectMultiple)
    pick = forms.ChoiceField(choices=[("a", "a")])
    hidden = forms.CharField(widget=forms.HiddenInput)
    email = forms.EmailField()


def _form_widgets() -> int:
    """The form renderer has its own template engine: render a form with the usual widgets,
    bound and with errors, so their templates are compiled too."""
    for language in (code for code, _name in settings.LANGUAGES):
        with translation.override(language):
            form = _Widgets(data={})
            form.is_valid()
            str(form)
            for field in form:
                str(field)
                str(field.errors)
    return len(_Widgets.base_fields)


def _models() -> int:
    """Each model's field maps (the ORM builds them on a model's first query) and one query
    of each compiled to SQL (the compiler's lazy state), without running it."""
    from django.apps import apps
    from django.db import router

    models = apps.get_models()
    for model in models:
        meta = model._meta
        meta.get_fields()
        meta._forward_fields_map  # noqa: B018  (cached properties, built on first use)
        meta.fields_map  # noqa: B018
        meta.concrete_fields  # noqa: B018
        meta.local_concrete_fields  # noqa: B018
        meta.related_objects  # noqa: B018
        meta.db_returning_fields  # noqa: B018
        meta._property_names  # noqa: B018
        if meta.managed and not meta.proxy:
            queryset = model._default_manager.all()
            with contextlib.suppress(Exception):
                queryset.query.get_compiler(router.db_for_read(model)).as_sql()
    return len(models)


def _settings_imports() -> None:
    """What the middleware imports by its dotted name on first use."""
    from django.utils.module_loading import import_string

    import_string(settings.SESSION_SERIALIZER)
    import_string(settings.SESSION_ENGINE + ".SessionStore")
    import_string(settings.MESSAGE_STORAGE)


def _static_manifest() -> None:
    """The manifest of the hashed static files (DEBUG off) is read on the first {% static %}."""
    manifest = getattr(staticfiles_storage, "hashed_files", None)
    if manifest is not None:
        # ValueError: collectstatic has not run (a development set-up).
        with contextlib.suppress(ValueError):
            staticfiles_storage.url("core/favicon.svg")
