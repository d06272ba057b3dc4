"""Work-queue indexes (docs/adr/0012-work-queue.md).

Portable: partial indexes over the pending rows (statuses 1, 2, 4, 5, 6, 9: a few per cent of the table),
the reception-date order, and the due-date index now only over pending rows (finished dossiers are never
listed by due date). PostgreSQL also gets the columns the queue's counts read as INCLUDE columns, so the
counts are index-only scans, and trigram indexes for the code and name search (pg_trgm, as the catalogue).
"""

from django.conf import settings
from django.db import migrations, models

TABLE = "dossiers_dossier"
BUCKETS = ["status", "agency", "received_at", "paused_at", "paused_from_status", "supplement_count"]
VISIBILITY = ["current_agency", "receiving_agency", "applicant_user"]
COVERING = {
    "dossier_pending_due_idx": [*BUCKETS, *VISIBILITY, "assignee"],
    "dossier_open_assignee_idx": [*BUCKETS, *VISIBILITY],
    "dossier_pending_current_idx": [*BUCKETS, "receiving_agency", "applicant_user"],
    "dossier_pending_receiving_idx": ["current_agency"],
    "dossier_pending_agency_idx": ["current_agency"],
}
# fastupdate = off as for the catalogue (ADR 0002): a search never scans a pending list.
SEARCH = {
    "dossier_code_trgm": "upper((code)::text) gin_trgm_ops",
    "dossier_name_folded_trgm": "applicant_name_folded gin_trgm_ops",
}


def _swap(apps, schema_editor, *, include: bool) -> None:
    model = apps.get_model("dossiers", "Dossier")
    for index in model._meta.indexes:
        if index.name in COVERING:
            wide = models.Index(
                fields=index.fields, condition=index.condition, name=index.name, include=COVERING[index.name]
            )
            schema_editor.remove_index(model, index)
            schema_editor.add_index(model, wide if include else index)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _swap(apps, schema_editor, include=True)
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in SEARCH.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {TABLE} USING gin ({expression}) WITH (fastupdate = off)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in SEARCH:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    _swap(apps, schema_editor, include=False)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0005_gin_fastupdate_off'),
        ('directory', '0004_apitoken_moved_to_access'),
        ('dossiers', '0008_receiving_book_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='dossier',
            name='dossier_received_idx',
        ),
        migrations.RemoveIndex(
            model_name='dossier',
            name='dossier_due_idx',
        ),
        migrations.AddIndex(
            model_name='dossier',
            index=models.Index(fields=['received_at', 'id'], name='dossier_received_order_idx'),
        ),
        migrations.AddIndex(
            model_name='dossier',
            index=models.Index(condition=models.Q(('status__in', [1, 2, 4, 5, 6, 9])), fields=['due_at', 'id'], name='dossier_pending_due_idx'),
        ),
        migrations.AddIndex(
            model_name='dossier',
            index=models.Index(condition=models.Q(('status__in', [2, 4, 5, 6])), fields=['assignee', 'due_at', 'id'], name='dossier_open_assignee_idx'),
        ),
        migrations.AddIndex(
            model_name='dossier',
            index=models.Index(condition=models.Q(('status__in', [1, 2, 4, 5, 6, 9])), fields=['current_agency', 'due_at', 'id'], name='dossier_pending_current_idx'),
        ),
        migrations.AddIndex(
            model_name='dossier',
            index=models.Index(condition=models.Q(('status__in', [1, 2, 4, 5, 6, 9])), fields=['receiving_agency', 'status', 'due_at', 'id'], name='dossier_pending_receiving_idx'),
        ),
        migrations.AddIndex(
            model_name='dossier',
            index=models.Index(condition=models.Q(('status__in', [1, 2, 4, 5, 6, 9])), fields=['agency', 'status', 'due_at', 'id'], name='dossier_pending_agency_idx'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
