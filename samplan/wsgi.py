import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samplan.settings")
application = get_wsgi_application()

# Everything loaded by now (Django, the project, translations) lives as long as the worker:
# freeze it, so the cyclic garbage collector's full passes walk only what requests leave
# behind. A page allocates tens of thousands of objects, so with the default threshold
# (700) the collector ran many times per request; a higher first threshold runs it about
# once per page. Measured in bench/RESULTS.md.
gc.freeze()
gc.set_threshold(50_000, 20, 20)
