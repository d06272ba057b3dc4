"""Shared admin pieces: read-only history, truncated long names, people in Vietnamese order, readable JSON."""

from __future__ import annotations

import re

from django import forms
from django.core.paginator import Paginator
from django.db import connections
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .formatting import day, moment
from .names import full_name

EMPTY = "–"


class ReadOnlyAdminMixin:
    """For append-only history (events, procedure versions): visible in admin, never written from it."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class EstimatedCountPaginator(Paginator):
    """For the largest tables (dossiers, events, outbox): an unfiltered list on PostgreSQL takes the planner's
    row estimate instead of COUNT(*) over millions of rows; filtered lists and small tables count exactly."""

    EXACT_BELOW = 10_000

    @cached_property
    def count(self) -> int:
        query = getattr(self.object_list, "query", None)
        if query is not None and not query.where and connections[self.object_list.db].vendor == "postgresql":
            with connections[self.object_list.db].cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [query.model._meta.db_table]
                )
                row = cursor.fetchone()
            if row and row[0] >= self.EXACT_BELOW:
                return int(row[0])
        return super().count


def truncated(text: str | None, limit: int = 60) -> str:
    """A long name (procedure names run to 25 words) cut to `limit` characters, whole in the title."""
    text = text or ""
    if len(text) <= limit:
        return text
    return format_html(
        '<span class="motcua-truncated" title="{}">{}</span>', text, Truncator(text).chars(limit)
    )


def person(user) -> str:
    """'Trần Thị Lan (tiepnhan)': the name in Vietnamese order and the account it belongs to."""
    if user is None:
        return EMPTY
    name = full_name(user)
    username = user.get_username()
    return name if name == username else f"{name} ({username})"


# Vietnamese labels for the keys of the JSON the admin shows (procedure version records, event data,
# outbox payloads); the key itself is shown under its label, since that is what integrations read.
KEY_LABELS = {
    "action": gettext_lazy("thao tác"),
    "actor": gettext_lazy("người thực hiện"),
    "agencies": gettext_lazy("cơ quan thực hiện"),
    "agency": gettext_lazy("cơ quan"),
    "amount": gettext_lazy("số tiền (đồng)"),
    "announcement": gettext_lazy("quyết định công bố"),
    "applicant": gettext_lazy("người nộp"),
    "at": gettext_lazy("thời điểm"),
    "authorised": gettext_lazy("người được ủy quyền"),
    "case": gettext_lazy("trường hợp"),
    "cases": gettext_lazy("các trường hợp"),
    "channel": gettext_lazy("kênh"),
    "channels": gettext_lazy("cách thức thực hiện"),
    "code": gettext_lazy("mã"),
    "components": gettext_lazy("thành phần hồ sơ"),
    "copies": gettext_lazy("bản sao"),
    "current_agency": gettext_lazy("đơn vị đang xử lý"),
    "date": gettext_lazy("ngày"),
    "description": gettext_lazy("mô tả"),
    "digitise_required": gettext_lazy("phải số hóa"),
    "digitised": gettext_lazy("đã số hóa"),
    "dossier": gettext_lazy("hồ sơ"),
    "due_at": gettext_lazy("ngày hẹn trả"),
    "effective_on": gettext_lazy("ngày hiệu lực"),
    "eligible_full_online": gettext_lazy("đủ điều kiện DVCTT toàn trình"),
    "email": gettext_lazy("thư điện tử"),
    "event": gettext_lazy("sự kiện"),
    "exemption": gettext_lazy("miễn, giảm"),
    "fee": gettext_lazy("phí, lệ phí (đồng)"),
    "fee_total": gettext_lazy("phí, lệ phí phải nộp (đồng)"),
    "fees": gettext_lazy("phí, lệ phí"),
    "field": gettext_lazy("lĩnh vực"),
    "files": gettext_lazy("tệp"),
    "finished_at": gettext_lazy("ngày kết thúc xử lý"),
    "form_code": gettext_lazy("mã mẫu đơn"),
    "forms": gettext_lazy("mẫu đơn, tờ khai"),
    "from_agency": gettext_lazy("từ đơn vị"),
    "from_status": gettext_lazy("trạng thái trước"),
    "id_number": gettext_lazy("số định danh cá nhân"),
    "identifier": gettext_lazy("mã định danh"),
    "issued_on": gettext_lazy("ngày ban hành"),
    "items": gettext_lazy("nội dung"),
    "kind": gettext_lazy("loại"),
    "label": gettext_lazy("tên thao tác"),
    "legal_bases": gettext_lazy("căn cứ pháp lý"),
    "levels": gettext_lazy("cấp thực hiện"),
    "local_code": gettext_lazy("mã tại địa phương"),
    "method": gettext_lazy("hình thức nộp"),
    "name": gettext_lazy("tên"),
    "new_due_at": gettext_lazy("ngày hẹn trả mới"),
    "note": gettext_lazy("ghi chú"),
    "number": gettext_lazy("số hiệu"),
    "old_due_at": gettext_lazy("ngày hẹn trả cũ"),
    "online_level": gettext_lazy("mức dịch vụ công trực tuyến"),
    "originals": gettext_lazy("bản chính"),
    "paid_online": gettext_lazy("thanh toán trực tuyến"),
    "paper_required": gettext_lazy("yêu cầu trả kết quả bằng giấy"),
    "paused_hours": gettext_lazy("số giờ tạm dừng"),
    "phone": gettext_lazy("điện thoại"),
    "procedure": gettext_lazy("thủ tục"),
    "processing_time": gettext_lazy("thời hạn giải quyết"),
    "publication_state": gettext_lazy("trạng thái công khai"),
    "published_at": gettext_lazy("thời điểm công khai"),
    "reason": gettext_lazy("lý do"),
    "received_at": gettext_lazy("ngày tiếp nhận"),
    "receiving_agency": gettext_lazy("đơn vị tiếp nhận"),
    "reference": gettext_lazy("số biên lai, mã giao dịch"),
    "refused_at": gettext_lazy("ngày từ chối"),
    "replaceable_by_data": gettext_lazy("được thay thế bằng dữ liệu"),
    "required": gettext_lazy("bắt buộc"),
    "requirements": gettext_lazy("yêu cầu, điều kiện"),
    "result": gettext_lazy("kết quả"),
    "results": gettext_lazy("kết quả"),
    "returned_at": gettext_lazy("ngày trả kết quả"),
    "seq": gettext_lazy("số thứ tự"),
    "status": gettext_lazy("trạng thái"),
    "step": gettext_lazy("bước"),
    "step_due_at": gettext_lazy("hạn của bước"),
    "step_title": gettext_lazy("tên bước"),
    "steps": gettext_lazy("trình tự thực hiện"),
    "subjects": gettext_lazy("đối tượng thực hiện"),
    "submitted_at": gettext_lazy("ngày nộp"),
    "summary": gettext_lazy("trích yếu"),
    "tax_code": gettext_lazy("mã số thuế"),
    "time_note": gettext_lazy("ghi chú thời hạn"),
    "time_unit": gettext_lazy("đơn vị thời gian"),
    "title": gettext_lazy("tiêu đề"),
    "to_agency": gettext_lazy("đến đơn vị"),
    "to_status": gettext_lazy("trạng thái sau"),
    "to_user": gettext_lazy("người nhận"),
    "to_user_id": gettext_lazy("mã tài khoản người nhận"),
    "url": gettext_lazy("đường dẫn"),
    "vertical_sector": gettext_lazy("ngành dọc"),
    "vneid_verified": gettext_lazy("xác thực VNeID"),
}

_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")
_DATE = re.compile(r"\d{4}-\d\d-\d\d$")


def _label(key) -> SafeString:
    label = KEY_LABELS.get(key)
    if label is None:
        return format_html("<code>{}</code>", key)
    return format_html("{}<code>{}</code>", label, key)


def _scalar(value) -> str:
    if value is None or value == "":
        return format_html('<span class="motcua-json-empty">{}</span>', EMPTY)
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(value, str):
        # ISO dates and times as the rest of the site writes them, the exact value on hover.
        if _DATETIME.match(value) and (moment_value := parse_datetime(value)):
            return format_html('<time datetime="{}">{}</time>', value, moment(moment_value))
        if _DATE.match(value) and (day_value := parse_date(value)):
            return format_html('<time datetime="{}">{}</time>', value, day(day_value))
    return format_html("{}", value)


def _render(value) -> SafeString | str:
    if isinstance(value, dict):
        if not value:
            return _scalar(None)
        rows = format_html_join(
            "", "<tr><th>{}</th><td>{}</td></tr>", ((_label(k), _render(v)) for k, v in value.items())
        )
        return format_html('<table class="motcua-json">{}</table>', rows)
    if isinstance(value, list):
        if not value:
            return _scalar(None)
        if all(isinstance(v, dict) for v in value):
            return _table(value)
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((_render(v),) for v in value)))
    return _scalar(value)


def _table(rows: list[dict]) -> SafeString:
    """A list of records (steps, components, fees) as one table with a column per key."""
    keys = list(dict.fromkeys(k for row in rows for k in row))
    head = format_html_join("", "<th>{}</th>", ((_label(k),) for k in keys))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", ((_render(row.get(k)),) for k in keys)),) for row in rows),
    )
    return format_html(
        '<table class="motcua-json"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>', head, body
    )


def readable_json(value) -> SafeString:
    """Read-only JSON as nested tables with Vietnamese labels: no textarea, no script, escaped throughout."""
    return mark_safe(_render(value))  # every piece above went through format_html


class LinesField(forms.CharField):
    """A list of short texts (a procedure's subjects) edited one per line, stored as a JSON list."""

    widget = forms.Textarea(attrs={"rows": 4, "class": "vLargeTextField"})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(str(v) for v in value)
        return value

    def to_python(self, value) -> list[str]:
        return [line.strip() for line in super().to_python(value).splitlines() if line.strip()]
