"""On PostgreSQL, a trigram index makes the library's word search (LIKE '%word%' on the
lower-cased search text) an index scan instead of a read of every lesson.

pg_trgm is a trusted extension (PostgreSQL 13 and later): the database owner can create it.
Where it cannot be created, the search still works, only without the index; other databases
need nothing here.
"""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)

INDEX = "lesson_search_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {INDEX} ON collaboratives_lesson "
                "USING gin (search_text gin_trgm_ops)")
    except DatabaseError as exc:
        logger.warning("Lesson search index not created (%s); search works without it.", exc)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("collaboratives", "0004_lessons")]

    operations = [migrations.RunPython(create_index, drop_index)]
