"""Write side of online submission: start, fill, attach, submit and delete a draft.

Who may file online: a citizen or organisation account (an Applicant record), never staff (officers
receive at the counter). Every write re-reads the draft by (key, owner). Bytes reach disk before their row;
whatever stops the row (a refusal, a failed commit) removes them again, and bytes of removed rows go only
after the commit, so a failure leaves neither a row without a file nor a file without a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.files import File
from django.db import transaction

from motcua.core import storage
from motcua.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from motcua.directory import selectors as directory
from motcua.directory.models import Applicant
from motcua.documents import warehouse
from motcua.dossiers import files, services
from motcua.dossiers.models import Dossier
from motcua.integrations.population import online as population

from . import selectors, uploads
from .forms import Parsed
from .models import Draft, DraftFile


def applicant(actor) -> Applicant:
    """The account's own citizen/organisation record; staff and bare accounts are refused (403)."""
    if directory.is_staff_member(actor):
        raise PermissionDenied(
            "Cán bộ tiếp nhận hồ sơ tại quầy (trang Tiếp nhận hồ sơ), không nộp hồ sơ trực tuyến.",
            code="forbidden_action",
        )
    own = directory.applicant_of(actor)
    if own is None:
        raise PermissionDenied(
            "Tài khoản này chưa có thông tin người dân, tổ chức nên chưa nộp hồ sơ trực tuyến được.",
            code="forbidden_action",
        )
    return own


def refuse_if_offline(offer: selectors.Offer) -> None:
    if not offer.online:
        names = "; ".join(a.name for a in offer.agencies) or "cơ quan giải quyết"
        raise ValidationFailed(
            f"Thủ tục '{offer.procedure.code}' chưa được cung cấp dịch vụ công trực tuyến: hãy nộp hồ sơ trực "
            f"tiếp tại bộ phận một cửa của {names} hoặc qua dịch vụ bưu chính công ích.",
            code="not_offered_online",
            details={"field": "procedure"},
        )


def _choose(offer: selectors.Offer, case_code: str, agency_id: str) -> tuple[str, object]:
    errors = {}
    if offer.cases and not offer.case(case_code):
        errors["case"] = "Chọn một trường hợp của thủ tục."
    agency = (
        offer.agency(agency_id) if agency_id else (offer.agencies[0] if len(offer.agencies) == 1 else None)
    )
    if agency is None:
        errors["agency"] = "Chọn cơ quan giải quyết hồ sơ."
    if errors:
        raise FormErrors(errors)
    return (case_code if offer.cases else ""), agency


class FormErrors(ValidationFailed):
    """Several field messages at once, by input name (a page shows each next to its field)."""

    def __init__(self, errors: dict[str, str]):
        first = next(iter(errors.values()))
        super().__init__(first, code="invalid_field", details={"fields": errors})
        self.errors = errors


def start(actor, offer: selectors.Offer, case_code: str, agency_id: str) -> Draft:
    applicant(actor)
    refuse_if_offline(offer)
    case_code, agency = _choose(offer, case_code, agency_id)
    return Draft.objects.create(
        owner=actor, procedure=offer.procedure, case_code=case_code, agency=agency, step=Draft.Step.FORM
    )


def set_case(actor, draft: Draft, offer: selectors.Offer, case_code: str, agency_id: str) -> Draft:
    """Change the case (papers of components outside the new case are dropped) or the agency."""
    applicant(actor)
    case_code, agency = _choose(offer, case_code, agency_id)
    keep = {p.code for p in selectors.parts(offer, case_code)}
    with transaction.atomic():
        dropped = list(draft.files.exclude(component_code__in=keep))
        names = [f.file.name for f in dropped if f.file]
        DraftFile.objects.filter(pk__in=[f.pk for f in dropped]).delete()
        draft.case_code, draft.agency, draft.step = case_code, agency, Draft.Step.FORM
        draft.save(update_fields=["case_code", "agency", "step", "updated_at"])
        transaction.on_commit(lambda: _delete_bytes(names))
    return draft


@dataclass
class Upload:
    component: str
    file: object  # an UploadedFile


@dataclass
class Reuse:
    component: str
    key: str


def check_papers(actor, draft: Draft, offer, new: list[Upload], reused: list[Reuse], removing: set[int]):
    """(checked uploads, warehouse papers) or FormErrors naming `file-<code>` / `reuse-<code>`."""
    errors: dict[str, str] = {}
    known = {p.code for p in selectors.parts(offer, draft.case_code)}
    checked = []
    for u in new:
        name = f"file-{u.component}"
        if u.component not in known:
            errors[name] = "Thành phần hồ sơ này không thuộc trường hợp đã chọn."
            continue
        try:
            kind, sha256 = uploads.check(u.file, name)
        except ValidationFailed as exc:
            errors[name] = exc.message
            continue
        checked.append((u, kind, sha256))
    papers = []
    for r in reused:
        name = f"reuse-{r.component}"
        if r.component not in known:
            errors[name] = "Thành phần hồ sơ này không thuộc trường hợp đã chọn."
            continue
        try:
            paper = warehouse.paper(actor, r.key)
        except NotFound as exc:
            errors[name] = exc.message
            continue
        if not paper.reusable:
            errors[name] = f"Giấy tờ '{paper.name}' đã bị thu hồi, không dùng lại được."
            continue
        papers.append((r, paper))
    held = draft.files.exclude(pk__in=removing).count()
    limit = selectors.max_files()
    if not errors and held + len(checked) + len(papers) > limit:
        where = f"file-{new[0].component}" if new else f"reuse-{reused[0].component}"
        errors[where] = (
            f"Hồ sơ đã có {held} tệp; mỗi hồ sơ trực tuyến nhận tối đa {limit} tệp. Hãy gộp các trang vào "
            "một tệp PDF hoặc xóa bớt tệp."
        )
    if errors:
        raise FormErrors(errors)
    return checked, papers


def save(
    actor,
    draft: Draft,
    offer: selectors.Offer,
    parsed: Parsed,
    *,
    new: list[Upload] = (),
    reused: list[Reuse] = (),
    remove: set[int] = frozenset(),
    step: str | None = None,
) -> Draft:
    """Save the e-form and its papers in one go: any bad field or file and nothing is stored (FormErrors)."""
    applicant(actor)
    if parsed.errors:
        raise FormErrors(parsed.errors)
    checked, papers = check_papers(actor, draft, offer, list(new), list(reused), set(remove))
    stored: list[str] = []
    try:
        with transaction.atomic():
            if parsed.on_behalf:
                draft.applicant = parsed.applicant
            else:
                draft.own_contact = parsed.own_contact
            draft.on_behalf, draft.summary = parsed.on_behalf, parsed.summary
            if step:
                draft.step = step
            draft.save()
            gone = list(draft.files.filter(pk__in=remove))
            DraftFile.objects.filter(pk__in=[f.pk for f in gone]).delete()
            for u, kind, sha256 in checked:
                f = DraftFile(
                    draft=draft,
                    component_code=u.component,
                    name=files.clean_name(u.file.name),
                    content_type=kind[0],
                    size=u.file.size,
                    sha256=sha256,
                )
                u.file.seek(0)
                f.file.save(f"upload{kind[1]}", u.file, save=False)
                stored.append(f.file.name)
                f.save()
            existing = set(
                draft.files.filter(reuse_key__in=[r.key for r, _ in papers]).values_list(
                    "component_code", "reuse_key"
                )
            )
            for r, paper in papers:
                if (r.component, r.key) in existing:
                    continue  # chosen again: once is enough
                DraftFile.objects.create(
                    draft=draft,
                    component_code=r.component,
                    name=paper.name[:255],
                    content_type=paper.content_type,
                    size=paper.size,
                    sha256=paper.sha256,
                    reuse_key=paper.key,
                    result_code=paper.result_code,
                )
            names = [f.file.name for f in gone if f.file]
            transaction.on_commit(lambda: _delete_bytes(names))
    except BaseException:
        _delete_bytes(stored)
        raise
    return draft


def delete(actor, draft: Draft) -> None:
    with transaction.atomic():
        names = [n for n in draft.files.values_list("file", flat=True) if n]
        draft.delete()
        transaction.on_commit(lambda: _delete_bytes(names))


def submission(
    draft: Draft, offer: selectors.Offer, papers: list[DraftFile] | None = None, fee_reduction: str = ""
) -> dict:
    """The contract §4 body of this draft: only the papers it holds, the applicant from one source."""
    codes = []
    for f in draft.files.all() if papers is None else papers:
        if f.component_code not in codes:
            codes.append(f.component_code)
    body = {
        "procedure": offer.procedure.code,
        "agency": draft.agency.identifier if draft.agency else "",
        "channel": 2,
        "case": draft.case_code,
        "components": [{"code": c, "copies": 1} for c in codes],
        "summary": draft.summary or offer.procedure.name,
        "fee_reduction": fee_reduction,
    }
    if draft.on_behalf:
        a = dict(draft.applicant)
        body["applicant"] = {k: v for k, v in a.items() if v}
        body["authorised"] = {}  # the account holder (intake takes the name and ID from the account)
    else:
        body["applicant"] = {k: v for k, v in draft.own_contact.items() if v}
    return body


def idempotency_key(draft_key: str) -> str:
    return f"online-draft:{draft_key}"


def submit(
    actor, key: str, code: str, *, vneid_verified: bool, at: datetime | None = None, fee_reduction: str = ""
) -> Dossier:
    """File the draft: the dossier, its papers (uploads copied from the draft, warehouse papers copied
    and recorded as reused) and the draft's removal, in one transaction. Submitting twice (a double click,
    a reload) returns the first dossier. `fee_reduction`: the reduction claimed on the review page."""
    own = applicant(actor)
    done = Dossier.objects.filter(idempotency_key=idempotency_key(key), applicant_user=actor).first()
    if done is not None:
        return done
    offer = selectors.offer(code)
    refuse_if_offline(offer)
    stored: list[str] = []
    try:
        with transaction.atomic():
            draft = (
                Draft.objects.select_for_update(of=("self",))
                .select_related("agency", "procedure")
                .filter(key=key, owner=actor, procedure=offer.procedure)
                .first()
            )
            if draft is None:
                done = Dossier.objects.filter(
                    idempotency_key=idempotency_key(key), applicant_user=actor
                ).first()
                if done is not None:  # the first submission won the lock
                    return done
                raise NotFound("Không có hồ sơ nháp này trong tài khoản của bạn.", code="draft_not_found")
            papers = list(draft.files.all())
            if len(papers) > selectors.max_files():
                raise Conflict("Hồ sơ có quá nhiều tệp.", code="too_many_files")
            dbs = population.databases(actor, own, draft)  # DSKetNoiCSDL after a verified lookup
            d = services.submit_dossier(
                actor,
                submission(draft, offer, papers, fee_reduction),
                at=at,
                idempotency_key=idempotency_key(key),
                vneid_verified=vneid_verified,
                national_databases=dbs,
            )
            if dbs:
                population.filed(actor, draft, d)
            for f in papers:
                if f.reuse_key:
                    made = files.attach_reused(actor, d.code, f.reuse_key, component=f.component_code, at=at)
                else:
                    # The draft's bytes as they were checked when saved: changed at rest, not filed.
                    with storage.open_checked(f.file.name, f.sha256) as fh:
                        made = files.attach(
                            actor, d.code, File(fh, name=f.name), component=f.component_code, at=at
                        )
                stored.append(made.file.name)
            names = [f.file.name for f in papers if f.file]
            draft.delete()
            transaction.on_commit(lambda: _delete_bytes(names))
    except BaseException:
        _delete_bytes(stored)
        raise
    return d


def _delete_bytes(names: list[str]) -> None:
    for name in names:
        files.private_delete(name)
