"""The precompiled statements (motcua.core.statements) write exactly what the ORM would write."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from motcua.core import statements
from motcua.dossiers import services
from motcua.dossiers.models import AppendOnly, Dossier, DossierComponent, DossierEvent, DossierFee
from motcua.integrations.models import OutboxMessage

from .conftest import local, submission

pytestmark = pytest.mark.django_db


def comparable(values: list) -> list:
    # psycopg wraps JSON in Jsonb adapters, which do not compare equal: compare what they wrap.
    return [("json", v.obj) if type(v).__name__ == "Jsonb" else v for v in values]


def orm_values(obj) -> list:
    fields = [f for f in obj._meta.concrete_fields if not f.primary_key]
    return comparable([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])


def test_prepared_values_equal_the_orm_ones_for_every_row_an_intake_writes(people, procedure):
    d = services.submit_dossier(
        people["tiepnhan"],
        submission(channel=1, authorised={"name": "Trần Văn Bình", "id_number": "001099012345"}),
        at=local(2025, 8, 15, 15),
    )
    rows = [
        Dossier.objects.get(pk=d.pk),
        *DossierComponent.objects.filter(dossier=d),
        *DossierFee.objects.filter(dossier=d),
        *DossierEvent.objects.filter(dossier=d),
        *OutboxMessage.objects.filter(key=d.code),
    ]
    assert {type(r) for r in rows} == {Dossier, DossierComponent, DossierFee, DossierEvent, OutboxMessage}
    for obj in rows:
        fields = [f for f in obj._meta.concrete_fields if not f.primary_key]
        prepare = statements.preparer(fields, connection, True)
        assert comparable(prepare(obj)) == orm_values(obj), type(obj).__name__


def test_insert_sets_ids_like_save(people, procedure):
    d = services.submit_dossier(people["tiepnhan"], submission(channel=1), at=local(2025, 8, 15, 15))
    with transaction.atomic():
        fees = [DossierFee(dossier=d, name="Phí thẩm định", amount=n) for n in (1000, 2000, 3000)]
        statements.insert(*fees)
    assert [f.pk for f in fees] == list(
        DossierFee.objects.filter(name="Phí thẩm định").order_by("id").values_list("id", flat=True)
    )
    assert all(not f._state.adding for f in fees)


def test_new_builds_the_same_instance_as_the_keyword_constructor(people, procedure, agencies):
    from datetime import UTC, datetime

    from motcua.dossiers.models import Dossier as D

    now = datetime(2025, 8, 15, 8, tzinfo=UTC)
    cases = [
        (
            D,
            {
                "code": "X-1",
                "procedure": procedure,
                "agency": agencies["justice"],
                "channel": 1,
                "status": 2,
                "applicant_user_id": None,
                "submitted_at": now,
                "created_at": now,
                "updated_at": now,
            },
        ),
        (
            DossierEvent,
            {
                "seq": 1,
                "at": now,
                "actor": people["tiepnhan"],
                "action": "receive",
                "to_status": 2,
                "data": {"components": ["TP1"]},
                "agency": None,
            },
        ),
        (DossierComponent, {"code": "TP1", "name": "Tờ khai", "copies": 2}),
        (
            OutboxMessage,
            {
                "topic": "t",
                "key": "k",
                "payload": {"a": 1},
                "idempotency_key": "k:1",
                "created_at": now,
                "next_attempt_at": now,
            },
        ),
    ]
    for model, values in cases:
        fast, slow = statements.new(model, **values), model(**values)
        assert {k: v for k, v in vars(fast).items() if k != "_state"} == {
            k: v for k, v in vars(slow).items() if k != "_state"
        }, model.__name__
        assert fast._state.fields_cache == slow._state.fields_cache and fast._state.adding
    with pytest.raises(TypeError, match="nonsense"):
        statements.new(DossierComponent, code="TP1", nonsense=1)


def test_the_models_the_statements_write_have_no_save_override_nor_signal_receivers(people, procedure):
    """The precompiled statements skip `save()` and signals. A model they write that gains either (or an
    auto_now field) would silently lose that behaviour: this fails first. AppendOnly.save only refuses
    updates of saved events, which the statements never do (they only insert events)."""
    d = services.submit_dossier(people["tiepnhan"], submission(channel=1), at=local(2025, 8, 15, 15))
    services.perform(people["tiepnhan"], d.code, "forward", at=local(2025, 8, 15, 16))
    assert {Dossier, DossierComponent, DossierFee, DossierEvent, OutboxMessage} <= statements.WRITTEN
    for model in statements.WRITTEN:
        assert statements.bypassed(model, reviewed_saves=(AppendOnly.save,)) == [], model.__name__


def test_the_guard_sees_a_save_override_and_a_receiver():
    from django.db import models
    from django.db.models.signals import post_save

    class Probe(models.Model):
        class Meta:
            app_label = "dossiers"
            managed = False

        def __str__(self) -> str:  # pragma: no cover - never called
            return "probe"

        def save(self, *args, **kwargs):  # pragma: no cover - never called
            super().save(*args, **kwargs)

    def receiver(sender, **kwargs):  # pragma: no cover - never called
        pass

    post_save.connect(receiver, sender=Probe)
    try:
        assert statements.bypassed(Probe) == ["Probe.save() is overridden", "Probe has post_save receivers"]
    finally:
        post_save.disconnect(receiver, sender=Probe)
        from django.apps import apps

        apps.all_models["dossiers"].pop("probe", None)
        apps.clear_cache()
