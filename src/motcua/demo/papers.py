"""Digitised papers of the demo citizen `congdan` (Nguyễn Thị Hoa): her căn cước, birth certificate and
residence confirmation, scanned with their full minimum metadata by the reception officer `tiepnhan` at two
counter receptions of hers. They land in her data warehouse (/ca-nhan/kho-du-lieu/) next to her signed
results, ready to reuse in a new online submission.

Everything goes through the services a real counter uses (`submit_dossier`, `files.attach`, `perform`),
muted like the rest of the history (ADR 0013). Idempotent: each reception carries its own idempotency key
and is made whole in one transaction, so a dossier that is there is complete and a second run adds nothing.
The papers are small PDFs printed by WeasyPrint (documents.render), only when a reception is new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from motcua.directory.calendars import calendar_for
from motcua.directory.models import Agency
from motcua.documents import render
from motcua.dossiers import files, services
from motcua.dossiers.models import Dossier
from motcua.notifications.services import muted

from .services import CITIZEN

KEY_PREFIX = "demo-papers-congdan"
RECEPTION = "tiepnhan"
SCOPE = "Toàn quốc"


@dataclass(frozen=True)
class PaperSpec:
    component: str
    filename: str
    metadata: dict[str, Any]
    lines: tuple[tuple[str, str], ...]  # what the printed stand-in shows


@dataclass(frozen=True)
class ReceptionSpec:
    key: str
    procedure: str
    agency: str  # identifier of the competent agency
    components: tuple[str, ...]  # the papers handed in (the required ones at least)
    summary: str
    working_days_ago: int
    papers: tuple[PaperSpec, ...]


def _dmy(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def receptions(today: date) -> tuple[ReceptionSpec, ...]:
    """The two counter receptions and their papers; the residence confirmation is recent (valid 1 year)."""
    born = CITIZEN["birth_date"]
    id_number, name = CITIZEN["id_number"], CITIZEN["full_name"]
    card_issued, card_valid_to = date(2021, 5, 10), date(born.year + 40, born.month, born.day)
    birth_registered = date(1990, 3, 22)
    residence_issued = today - timedelta(days=40)
    residence_valid_to = residence_issued.replace(year=residence_issued.year + 1) - timedelta(days=1)
    card = PaperSpec(
        "TP02",
        "can-cuoc.pdf",
        {
            "doc_type": "CCCD",
            "doc_name": "Thẻ Căn cước công dân",
            "holder_id_number": id_number,
            "issued_on": card_issued.isoformat(),
            "issuer": "Cục Cảnh sát quản lý hành chính về trật tự xã hội",
            "content_summary": f"Thẻ Căn cước công dân số {id_number} của bà {name}, sinh ngày {_dmy(born)}.",
            "valid_from": card_issued.isoformat(),
            "valid_to": card_valid_to.isoformat(),
            "validity_scope": SCOPE,
        },
        (
            ("Số định danh cá nhân", id_number),
            ("Họ, chữ đệm và tên", name),
            ("Ngày sinh", _dmy(born)),
            ("Giới tính", "Nữ"),
            ("Quốc tịch", "Việt Nam"),
            ("Quê quán", "Phường Thành Vinh, tỉnh Nghệ An"),
            ("Nơi thường trú", CITIZEN["address"]),
            ("Có giá trị đến", _dmy(card_valid_to)),
        ),
    )
    residence = PaperSpec(
        "TP03",
        "xac-nhan-cu-tru.pdf",
        {
            "doc_type": "XNCT",
            "doc_name": "Giấy xác nhận thông tin về cư trú (Mẫu CT07)",
            "holder_id_number": id_number,
            "issued_on": residence_issued.isoformat(),
            "issuer": "Công an phường Thành Vinh",
            "content_summary": f"Xác nhận bà {name} đăng ký thường trú tại {CITIZEN['address']}.",
            "valid_from": residence_issued.isoformat(),
            "valid_to": residence_valid_to.isoformat(),
            "validity_scope": SCOPE,
        },
        (
            ("Họ, chữ đệm và tên", name),
            ("Số định danh cá nhân", id_number),
            ("Nơi thường trú", CITIZEN["address"]),
            ("Ngày đăng ký thường trú", "12/06/2015"),
            ("Có giá trị đến", _dmy(residence_valid_to)),
        ),
    )
    birth = PaperSpec(
        "TP03",
        "giay-khai-sinh.pdf",
        {
            "doc_type": "GKS",
            "doc_name": "Giấy khai sinh (bản sao)",
            "holder_id_number": id_number,
            "issued_on": birth_registered.isoformat(),
            "issuer": "Ủy ban nhân dân phường Lê Mao, thành phố Vinh, tỉnh Nghệ An",
            "content_summary": (
                f"Khai sinh của {name}, sinh ngày {_dmy(born)} tại Nghệ An; cha Nguyễn Văn Thành, "
                "mẹ Trần Thị Lựu."
            ),
            "valid_indefinitely": True,
            "validity_scope": SCOPE,
        },
        (
            ("Họ, chữ đệm và tên", name),
            ("Ngày, tháng, năm sinh", _dmy(born)),
            ("Giới tính", "Nữ"),
            ("Nơi sinh", "Bệnh viện Sản Nhi Nghệ An"),
            ("Họ và tên cha", "Nguyễn Văn Thành"),
            ("Họ và tên mẹ", "Trần Thị Lựu"),
            ("Số đăng ký", "Quyển 01/1990, số 152"),
        ),
    )
    return (
        ReceptionSpec(
            f"{KEY_PREFIX}-1",
            "3.000333",  # Phiếu lý lịch tư pháp: a copy of the ID and of the residence paper
            "000.00.70.H40",
            ("TP01", "TP02", "TP03"),
            "Đề nghị cấp Phiếu lý lịch tư pháp số 1 để bổ sung hồ sơ xin việc.",
            8,
            (card, residence),
        ),
        ReceptionSpec(
            f"{KEY_PREFIX}-2",
            "1.004222",  # Đăng ký thường trú vào chỗ ở của cha mẹ: the birth certificate proves the kinship
            "000.00.70.H40",
            ("TP01", "TP02", "TP03"),
            "Đăng ký thường trú vào chỗ ở hợp pháp của cha mẹ.",
            3,
            (birth,),
        ),
    )


def _pdf(paper: PaperSpec, at: datetime) -> bytes:
    meta = paper.metadata
    issued = date.fromisoformat(meta["issued_on"])
    data = {
        "form": "demo",
        "title": meta["doc_name"],
        "code": "",
        "agency": "",
        "issuer": {"parent": "", "name": meta["issuer"]},
        "number": "",
        "place": "Nghệ An",
        "date": {"day": issued.day, "month": issued.month, "year": issued.year},
        "lines": paper.lines,
        "summary": meta["content_summary"],
    }
    return render.pdf("demo/paper.html", {"f": data, "qr": ""})


def _opening(agency: Agency, now: datetime, working_days_ago: int) -> datetime:
    """A counter moment (the agency's working time) about `working_days_ago` days before now."""
    cal = calendar_for(agency)
    start = now - timedelta(days=working_days_ago)
    for _ in range(10):
        opening = cal.add(start, 0, "hours")
        if opening <= now:
            return opening
        start -= timedelta(days=1)
    return now


def _receive(spec: ReceptionSpec, officer, now: datetime) -> Dossier:
    """One counter reception: registered and received, papers scanned with metadata, handed over."""
    agency = Agency.objects.get(identifier=spec.agency)
    at = _opening(agency, now, spec.working_days_ago)
    person = {
        "kind": "citizen",
        "name": CITIZEN["full_name"],
        "id_number": CITIZEN["id_number"],
        "birth_date": CITIZEN["birth_date"].isoformat(),
        "phone": CITIZEN["phone"],
        "email": CITIZEN["email"],
        "address": CITIZEN["address"],
    }
    body = {
        "procedure": spec.procedure,
        "agency": spec.agency,
        "channel": 1,
        "applicant": person,
        "components": [{"code": c, "copies": 1} for c in spec.components],
        "summary": spec.summary,
    }
    stored: list[str] = []
    try:
        with transaction.atomic():
            d = services.submit_dossier(officer, body, at=at, idempotency_key=spec.key)
            for i, paper in enumerate(spec.papers, start=1):
                upload = ContentFile(_pdf(paper, at), name=paper.filename)
                f = files.attach(
                    officer,
                    d.code,
                    upload,
                    component=paper.component,
                    metadata=paper.metadata,
                    at=at + timedelta(minutes=2 * i),
                )
                stored.append(f.file.name)
            handed_over = at + timedelta(minutes=30)
            return services.perform(officer, d.code, "forward", at=min(handed_over, now))
    except BaseException:
        for name in stored:  # the rows rolled back: their bytes go too
            files.private_delete(name)
        raise


def load_papers(now: datetime | None = None) -> str:
    """congdan's scanned papers (2 counter receptions, 3 papers); nothing when they are there already."""
    now = now or timezone.now()
    specs = receptions(timezone.localdate(now))
    there = set(
        Dossier.objects.filter(idempotency_key__in=[s.key for s in specs]).values_list(
            "idempotency_key", flat=True
        )
    )
    missing = [s for s in specs if s.key not in there]
    if not missing:
        return f"{sum(len(s.papers) for s in specs)} giấy tờ số hóa của công dân đã có sẵn (không thêm)"
    officer = get_user_model().objects.get(username=RECEPTION)
    with muted():
        for spec in missing:
            _receive(spec, officer, now)
    added = sum(len(s.papers) for s in missing)
    return f"{added} giấy tờ số hóa của {CITIZEN['full_name']} trong {len(missing)} hồ sơ tiếp nhận tại quầy"
