"""Search indexes: pg_trgm GIN on PostgreSQL, FTS5 with triggers on SQLite (docs/adr/0002-search.md)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from motcua.catalog.search_index import install

    install(schema_editor.connection)


def backwards(apps, schema_editor):
    from motcua.catalog.search_index import uninstall

    uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0002_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
