"""dossiers.files.attach_reused: a warehouse paper copied into a dossier, with its reuse recorded."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from motcua.core.errors import Conflict, NotFound
from motcua.directory.models import Applicant
from motcua.dossiers import files, services
from motcua.dossiers.models import DossierFile, Reuse

from .conftest import CODE, pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier(citizen, agencies, procedure):
    return services.submit_dossier(
        citizen,
        {
            "procedure": CODE,
            "agency": agencies["justice"].identifier,
            "channel": 2,
            "case": "TH1",
            "components": [{"code": "TP1"}, {"code": "TP2"}],
        },
    )


def test_a_result_and_a_digitised_paper_are_copied_with_their_origin(
    citizen, dossier, warehouse, private_files
):
    paper, result = warehouse["paper"], warehouse["result"]
    a = files.attach_reused(citizen, dossier.code, f"f{paper.pk}", component="TP2")
    b = files.attach_reused(citizen, dossier.code, f"r{result.pk}", component="TP1")
    assert (a.reused, a.reused_from_id, a.replacing_result) == (Reuse.WAREHOUSE, paper.pk, "")
    assert (b.reused, b.reused_from_id, b.replacing_result) == (Reuse.WAREHOUSE, None, result.code)
    assert a.component.code == "TP2" and a.sha256 == paper.sha256 and a.content_type == "application/pdf"
    assert a.file.name != paper.file.name
    assert (private_files / a.file.name).read_bytes() == (private_files / paper.file.name).read_bytes()
    assert not a.digitised  # a copy handed in by the applicant is not the one-stop's digitisation


def test_someone_elses_paper_is_not_found(dossier, warehouse):
    other = get_user_model().objects.create_user(username="khac")
    Applicant.objects.create(user=other, full_name="Lê Văn Khác", id_number="040085009999")
    with pytest.raises(NotFound) as exc:
        files.attach_reused(other, dossier.code, f"f{warehouse['paper'].pk}", component="TP2")
    assert exc.value.code == "paper_not_found"


def test_revoked_and_damaged_papers_are_refused_and_nothing_is_stored(
    citizen, dossier, warehouse, private_files
):
    result = warehouse["result"]
    result.revoked_at = timezone.now()
    result.save()
    with pytest.raises(Conflict) as exc:
        files.attach_reused(citizen, dossier.code, f"r{result.pk}", component="TP1")
    assert exc.value.code == "paper_revoked"
    paper = warehouse["paper"]
    (private_files / paper.file.name).write_bytes(pdf_bytes(5))
    with pytest.raises(Conflict) as exc:
        files.attach_reused(citizen, dossier.code, f"f{paper.pk}", component="TP2")
    assert exc.value.code == "paper_damaged"
    assert not DossierFile.objects.filter(dossier=dossier).exists()
    assert not (private_files / "dossiers" / dossier.code).exists()
