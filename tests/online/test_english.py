"""The citizen's new pages in English: online submission, my dossiers, the data warehouse and the public
result check show no interface text of the Vietnamese catalogue (data such as names stays as it is)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import motcua
from motcua.dossiers.models import Dossier
from motcua.online.models import Draft
from tests.clients import signed_in
from tests.portal.test_pages import visible

from .conftest import CODE, upload

pytestmark = pytest.mark.django_db

CATALOGUE = Path(motcua.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "django.po"
VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)


def interface_texts() -> list[str]:
    """The catalogue's Vietnamese sentences without placeholders: any of them on an English page is a
    string left untranslated (short ones are skipped: they also occur inside data)."""
    with CATALOGUE.open("rb") as f:
        catalog = read_po(f, locale="en")
    out = []
    for m in catalog:
        for msgid in m.id if isinstance(m.id, tuple) else (m.id,):
            if msgid and len(msgid) >= 16 and VIETNAMESE.search(msgid) and not re.search(r"[%{]", msgid):
                out.append(msgid)
    return out


def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_online_flow_and_the_personal_pages_speak_english(
    citizen, agencies, procedure, warehouse, private_files, settings, django_capture_on_commit_callbacks
):
    client = english(signed_in(citizen), settings)
    pages = {"start": client.get(f"/nop-ho-so/{CODE}/")}
    client.post(f"/nop-ho-so/{CODE}/", {"case": "TH1", "agency": agencies["justice"].identifier})
    draft = Draft.objects.get()
    form = f"/nop-ho-so/{CODE}/{draft.key}/to-khai/"
    client.post(form, {"own-phone": "0912345678", "file-TP1": upload(), "action": "save"})
    pages["form"] = client.get(form + "?saved=1")
    pages["drafts"] = client.get("/nop-ho-so/")
    review = client.post(form, {"own-phone": "0912345678", "action": "next"})["Location"]
    pages["review"] = client.get(review)
    pages["incomplete"] = client.post(review)  # the birth certificate is still missing: 422
    paper = warehouse["paper"]
    client.post(form, {"own-phone": "0912345678", "reuse-TP2": f"f{paper.pk}", "action": "save"})
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(review)["Location"]
    pages["done"] = client.get(done)
    d = Dossier.objects.exclude(pk=warehouse["dossier"].pk).get()
    pages["my dossiers"] = client.get("/ca-nhan/")
    pages["my dossier"] = client.get(f"/ca-nhan/ho-so/{d.code}/")
    pages["warehouse"] = client.get("/ca-nhan/kho-du-lieu/")
    pages["procedure"] = client.get(f"/thu-tuc/{CODE}/")
    pages["result lookup"] = client.get("/ket-qua/")
    pages["result"] = client.get(f"/ket-qua/{warehouse['result'].code}/")

    texts = interface_texts()
    for name, response in pages.items():
        assert response.status_code == (422 if name == "incomplete" else 200), name
        # Domain errors (motcua.core.errors) are Vietnamese by the house rules, in every language; the
        # procedure's own data (a step of tests/api/catalog_data.py) too.
        text = re.sub(
            r"Thiếu thành phần hồ sơ bắt buộc: [^.]*\.|Nộp tại Trung tâm phục vụ", "", visible(response)
        )
        assert [t for t in texts if t in text] == [], name
    assert "My dossiers" in visible(pages["my dossiers"])
    assert "Personal data warehouse" in visible(pages["warehouse"])
    assert "Review and submit" in visible(pages["review"])
