"""congdan's data warehouse after the demo: her signed results and the papers the one-stop digitised."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils import timezone
from pypdf import PdfReader

from motcua.core import storage
from motcua.demo import history, papers
from motcua.demo import services as demo
from motcua.documents import warehouse
from motcua.dossiers.machine import Status
from motcua.dossiers.models import Dossier
from motcua.dossiers.schemas import PaperMetadata


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


@pytest.fixture
def demo_base(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for _title, step in demo.STEPS:
        if step is demo.load_history:
            break
        step()


def test_congdan_warehouse_holds_results_and_digitised_papers(demo_base):
    now = timezone.now()
    # Enough history that congdan has completed dossiers (and so signed results) of her own.
    history.load_history(count=40, now=now)
    started = time.monotonic()
    line = papers.load_papers(now=now)
    took = time.monotonic() - started
    assert "3 giấy tờ số hóa của Nguyễn Thị Hoa trong 2 hồ sơ" in line and took < 2, (line, took)

    user = get_user_model().objects.get(username="congdan")
    held = warehouse.papers(user)
    results = [p for p in held if p.kind == "result"]
    scanned = {p.metadata["doc_type"]: p for p in held if p.kind == "paper"}
    assert results and all(p.result_code and p.reusable for p in results)
    assert set(scanned) == {"CCCD", "GKS", "XNCT"}
    for paper in scanned.values():
        meta = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in paper.metadata.items()}
        assert PaperMetadata(**{k: v for k, v in meta.items() if v is not None}).complete, meta
        assert paper.metadata["holder_id_number"] == demo.CITIZEN["id_number"]
        assert paper.content_type == "application/pdf" and paper.reusable
        with storage.open_checked(paper.storage_name, paper.sha256) as fh:
            pdf = PdfReader(io.BytesIO(fh.read()))
        assert len(pdf.pages) == 1 and demo.CITIZEN["full_name"] in pdf.pages[0].extract_text()
    assert scanned["GKS"].metadata["valid_indefinitely"] and scanned["CCCD"].metadata["valid_to"]
    # Each paper can be looked up by its key, as the online submission's reuse does.
    assert warehouse.paper(user, scanned["CCCD"].key).name == "Thẻ Căn cước công dân"

    # Received at the counter for her by the reception officer, digitised, then handed over.
    received = Dossier.objects.filter(idempotency_key__startswith=papers.KEY_PREFIX)
    assert received.count() == 2
    for d in received:
        assert d.channel == 1 and d.digitised and d.applicant_user == user and d.status == Status.PROCESSING
        kinds = list(d.events.order_by("seq").values_list("action", flat=True))
        assert kinds[0] == "receive" and "digitise" in kinds and kinds[-1] == "forward"
        assert all(e.at <= now for e in d.events.all())

    # A second run adds nothing.
    before = row_counts()
    again = papers.load_papers(now=now + timedelta(minutes=5))
    assert "đã có sẵn" in again and row_counts() == before
