"""Online submission fixtures: a procedure with two cases and four kinds of paper, real small files, and a
citizen's data warehouse holding one digitised paper and one electronic result."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.catalog.services import apply_record
from motcua.core.formatting import LOCAL_TZ
from motcua.documents.models import Result
from motcua.dossiers import services
from motcua.dossiers.models import DossierFile
from tests.api.catalog_data import record
from tests.clients import signed_in

CODE = "1.001193"
OFFLINE = "2.000200"


def pdf_bytes(pages: int = 1) -> bytes:
    from pypdf import PdfWriter

    w = PdfWriter()
    for _ in range(pages):
        w.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "PNG")
    return out.getvalue()


def upload(name: str = "to-khai.pdf", content: bytes | None = None, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, pdf_bytes() if content is None else content, content_type=content_type)


@pytest.fixture
def procedure(agencies):
    p, _ = apply_record(
        record(
            CODE,
            "Đăng ký khai sinh",
            levels=["province"],
            agencies=[agencies["justice"].identifier, agencies["health"].identifier],
            cases=[{"code": "TH1", "name": "Đăng ký đúng hạn"}, {"code": "TH2", "name": "Đăng ký quá hạn"}],
            components=[
                {"code": "TP1", "name": "Tờ khai đăng ký khai sinh", "case": "TH1", "form_code": "TK1"},
                {"code": "TP2", "name": "Giấy chứng sinh"},
                {"code": "TP3", "name": "Văn bản ủy quyền", "required": False},
                {"code": "TP4", "name": "Giấy tờ cư trú", "replaceable_by_data": True},
                {"code": "TP5", "name": "Giấy tờ chứng minh quá hạn", "case": "TH2"},
            ],
            fees=[{"kind": "charge", "amount": 10000, "channel": "online"}],
        )
    )
    return p


@pytest.fixture
def offline_procedure(agencies):
    p, _ = apply_record(
        record(OFFLINE, "Cấp thẻ căn cước", online_level="none", agencies=[agencies["justice"].identifier])
    )
    return p


@pytest.fixture
def citizen(people):
    return people["congdan"]


@pytest.fixture
def browser_client(citizen):
    return signed_in(citizen)


@pytest.fixture
def warehouse(citizen, procedure, agencies):
    """An earlier dossier of the citizen with a digitised paper, and an electronic result of it."""
    at = datetime(2025, 8, 1, 9, tzinfo=LOCAL_TZ)
    earlier = services.submit_dossier(
        citizen,
        {
            "procedure": CODE,
            "agency": agencies["justice"].identifier,
            "channel": 2,
            "case": "TH1",
            "components": [{"code": "TP1"}, {"code": "TP2"}],
        },
        at=at,
    )
    content = pdf_bytes(2)
    import hashlib

    paper = DossierFile(
        dossier=earlier,
        name="giay-chung-sinh.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_at=at,
        uploaded_by=citizen,
        digitised=True,
        doc_type="GCS",
        doc_name="Giấy chứng sinh",
        holder_id_number="038190001234",
        issuer="Bệnh viện Sản Nhi Nghệ An",
    )
    paper.file.save("scan.pdf", ContentFile(content), save=False)
    paper.save()
    result_pdf = pdf_bytes(1)
    result = Result(
        dossier=earlier,
        n=1,
        code=f"{earlier.code}-KQ1",
        name="Giấy khai sinh",
        size=len(result_pdf),
        sha256=hashlib.sha256(result_pdf).hexdigest(),
        issuing_agency=agencies["justice"],
        signed_by="Sở Tư pháp tỉnh Nghệ An",
        signed_at=at,
        owner=citizen,
        owner_id_number="038190001234",
    )
    result.file.save("kq.pdf", ContentFile(result_pdf), save=False)
    result.save()
    return {"dossier": earlier, "paper": paper, "result": result}
