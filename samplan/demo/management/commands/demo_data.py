"""`manage.py demo_data [--reset]`: loads the demo and prints its logins (`make demo`)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from samplan.demo.addressing import format_people_to_try, people_to_try
from samplan.demo.builder import (
    build_demo,
    database_holds_only_demo_data,
    demo_is_loaded,
    demo_logins,
    format_demo_logins,
    reset_database,
)
from samplan.demo.cases import format_inbox_hints, inbox_hints


class Command(BaseCommand):
    help = (
        "Loads the demo organisations, units, users, patients, addressing register and "
        "discharge cases, and prints the demo logins, personnummer to try the routing with "
        "and inboxes worth a look."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Empty the whole database first, so the demo starts afresh. Refused with "
            "DEBUG off when the database holds organisations that are not demo data.",
        )

    def handle(self, *args: object, reset: bool = False, **options: object) -> None:
        started = time.monotonic()
        with translation.override(settings.LANGUAGE_CODE):
            if reset:
                # A production database must never be wiped by a mistyped command.
                if not settings.DEBUG and not database_holds_only_demo_data():
                    raise CommandError(
                        _(
                            "The database holds organisations that are not demo data; "
                            "refusing to empty it. Use a database of its own for the demo."
                        )
                    )
                reset_database()
            elif demo_is_loaded():
                raise CommandError(
                    _("The demo data is already loaded. Run with --reset to load it afresh.")
                )
            build_demo()
            self.stdout.write(format_demo_logins(demo_logins()))
            self.stdout.write(format_people_to_try(people_to_try()))
            self.stdout.write(format_inbox_hints(inbox_hints()))
            self.stdout.write(
                _("Demo data loaded in %(seconds)s s.")
                % {"seconds": number_format(time.monotonic() - started, 1)}
            )
