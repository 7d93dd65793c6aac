import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samplan.settings")
application = get_wsgi_application()

# What Django loads lazily (templates, translations, URL resolvers, the static manifest) is
# loaded now, so a worker's first request costs what a warm one does; gunicorn's --preload
# does it once in the master, before the workers are forked (samplan.core.warmup).
# SAMPLAN_WARM_UP=0 leaves it out (bench/warm_workers.py compares the two).
if os.environ.get("SAMPLAN_WARM_UP", "1") != "0":
    from samplan.core.warmup import warm_up

    warm_up()

    # A worker forked from the warmed master connects to the database as it starts, not in
    # its first request (connecting and Django's set-up of the connection were most of what
    # that request still cost more than a warm one). Not run for a subprocess that execs.
    from samplan.core.warmup import start_worker

    os.register_at_fork(after_in_child=start_worker)

# Everything loaded by now (Django, the project, translations) lives as long as the worker:
# freeze it, so the cyclic garbage collector's full passes walk only what requests leave
# behind. A page allocates tens of thousands of objects, so with the default threshold
# (700) the collector ran many times per request; a higher first threshold runs it about
# once per page. Measured in bench/RESULTS.md.
gc.freeze()
gc.set_threshold(50_000, 20, 20)
