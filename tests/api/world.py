"""A small world for whole-API tests, built through the public API only (contract §4), so that it keeps
working whatever the services look like inside: a published procedure, a citizen's dossiers in several
statuses, one of them with an uploaded file, and a counter reception."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.dossiers.conftest import PROCEDURE, submission
from tests.workspace import documents

PDF = documents.pdf("Giay to")
ACTIONS = (
    "accept",
    "refuse",
    "request_supplement",
    "supplement",
    "forward",
    "request_payment",
    "pay",
    "apologize",
    "stop",
    "complete",
    "return_result",
    "withdraw",
)


@dataclass
class World:
    procedure: str = PROCEDURE
    dossiers: dict[str, str] = field(default_factory=dict)  # status name -> dossier code
    file_id: int = 0
    file_dossier: str = ""


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content
    return response.json()


def build(clients: dict) -> World:
    """`clients`: ApiClient per demo account (congdan, tiepnhan, chuyenvien)."""
    citizen, reception, specialist = clients["congdan"], clients["tiepnhan"], clients["chuyenvien"]
    world = World()

    def submit() -> str:
        return _ok(citizen.post("/dossiers", submission()), 201)["code"]

    world.dossiers["receiving"] = code = submit()
    upload = citizen.upload(
        f"/dossiers/{code}/files",
        {"file": SimpleUploadedFile("To khai.pdf", PDF, content_type="application/pdf"), "component": "TP1"},
    )
    world.file_id, world.file_dossier = _ok(upload, 201)["id"], code

    world.dossiers["new"] = _ok(reception.post("/dossiers", submission(channel=1)), 201)["code"]

    code = world.dossiers["processing"] = submit()
    _ok(reception.post(f"/dossiers/{code}/actions/accept"))
    _ok(reception.post(f"/dossiers/{code}/actions/forward"))

    if "lanhdao" in clients:  # completed: its electronic result is issued (ADR 0019)
        code = world.dossiers["releasing"] = submit()
        _ok(reception.post(f"/dossiers/{code}/actions/accept"))
        _ok(reception.post(f"/dossiers/{code}/actions/forward"))
        _ok(
            clients["lanhdao"].post(
                f"/dossiers/{code}/actions/complete", {"result": {"name": "Giấy khai sinh"}}
            )
        )

    code = world.dossiers["waiting"] = submit()
    _ok(reception.post(f"/dossiers/{code}/actions/accept"))
    _ok(reception.post(f"/dossiers/{code}/actions/forward"))
    _ok(
        specialist.post(
            f"/dossiers/{code}/actions/request_supplement",
            {"reason": "Bản sao chưa chứng thực", "items": ["Giấy chứng sinh (bản sao chứng thực)"]},
        )
    )
    return world
