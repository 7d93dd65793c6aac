"""Why page_ratios.py alternates one request at a time: the new count's CPU when it repeats
itself and when it follows a page, measured in the same run.

Each round measures, for the new count (the floor) and one page (--page): five requests of
the floor in a row, five of the page in a row (page_ratios.py --per-round 5 measures so),
then five pairs of page and floor, each request following the other (--per-round 1 measures
so). A round's figure is the median of its five requests; the report gives the median over
the rounds and the page's ratio to the floor both ways. Same process, user, settings and
WSGI entry point as page_ratios.py.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/samplan_bench \\
        .venv/bin/python bench/floor_warmth.py [--page "case page"] [--rounds 150]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchenv import setup_django
from loadtest import server_environment
from page_ratios import FLOOR, cookie_of, wsgi_get
from profile_pages import busiest_ward_user, logged_in_client, pages_for

IN_A_ROW = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", default="Översikt", help="a page of profile_pages.pages_for")
    parser.add_argument("--rounds", type=int, default=150)
    options = parser.parse_args()
    os.environ.update(server_environment())
    setup_django()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    import samplan.wsgi

    application = samplan.wsgi.application
    username, unit_id = busiest_ward_user()
    client = logged_in_client(username, unit_id)
    paths = pages_for(unit_id)
    floor, page = paths[FLOOR], paths[options.page]
    cookie = cookie_of(client)

    def cpu(path: str) -> float:
        started = time.process_time()
        wsgi_get(application, path, cookie)
        return (time.process_time() - started) * 1000

    for _ in range(20):  # warm caches; reads once
        cpu(floor)
        cpu(page)
    median = statistics.median
    floor_in_a_row, page_in_a_row, floor_after_page, page_after_floor = [], [], [], []
    for _ in range(options.rounds):
        floor_in_a_row.append(median([cpu(floor) for _ in range(IN_A_ROW)]))
        page_in_a_row.append(median([cpu(page) for _ in range(IN_A_ROW)]))
        pages, floors = [], []
        for _ in range(IN_A_ROW):
            pages.append(cpu(page))
            floors.append(cpu(floor))
        page_after_floor.append(median(pages))
        floor_after_page.append(median(floors))

    def ratio(pages: list[float], floors: list[float]) -> float:
        return median([p / f for p, f in zip(pages, floors, strict=True)])

    print(f"{options.page} and the {FLOOR}, {options.rounds} rounds, CPU ms (median of rounds)")
    print(
        f"{FLOOR}: {median(floor_in_a_row):.3f} in a row, {median(floor_after_page):.3f} "
        f"after the page ({median(floor_after_page) / median(floor_in_a_row):.2f}x)"
    )
    print(
        f"{options.page}: {median(page_in_a_row):.3f} in a row, {median(page_after_floor):.3f} "
        f"after the {FLOOR} ({median(page_after_floor) / median(page_in_a_row):.2f}x)"
    )
    print(
        f"ratio: {ratio(page_in_a_row, floor_in_a_row):.2f}x in a row, "
        f"{ratio(page_after_floor, floor_after_page):.2f}x alternating"
    )


if __name__ == "__main__":
    main()
