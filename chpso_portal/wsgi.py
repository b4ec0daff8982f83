import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chpso_portal.settings")

application = get_wsgi_application()

# Read the de-identification word lists (and seed the word caches from them) now rather than
# on the first request that screens a text. With `gunicorn --preload` this happens once in the
# master and the forked workers share the pages (bench/deidentify_results.md has the figures).
from chpso_portal.deidentify.lexical import prepare  # noqa: E402

prepare()
