"""The typed input of a dossier submission (contract §4): the API's request schema and the intake
service's argument are this one class, so the body is checked once, with the shared parsers of
`motcua.core.inputs` (NFC, length, no control characters or lone surrogates)."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict, field_validator
from pydantic_core import PydanticCustomError

from motcua.core import inputs
from motcua.core.errors import ValidationFailed
from motcua.core.identity import check_personal_id, check_tax_code

MAX_TEXT = 5000


class Strict(Schema):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ApplicantIn(Strict):
    kind: inputs.Choice("citizen", "organisation") | None = Field(None, description="citizen | organisation")
    name: inputs.Text(200) = ""
    id_number: inputs.Text(20) = Field("", description="Số định danh cá nhân, 12 chữ số")
    tax_code: inputs.Text(20) = Field("", description="Mã số thuế (tổ chức)")
    birth_date: inputs.Day = Field(None, description="YYYY-MM-DD")
    phone: inputs.Text(20) = ""
    email: inputs.Text(254) = ""
    address: inputs.Text(300) = ""

    @field_validator("email")
    @classmethod
    def _an_address(cls, value: str) -> str:
        # Checked once here, whichever way the applicant is resolved (typed, or the account holder's).
        if value and "@" not in value:
            raise PydanticCustomError("invalid_field", "Địa chỉ email không hợp lệ.")
        return value


class AuthorisedIn(Strict):
    """The person who files for the applicant (ủy quyền). Online, that is the signed-in account holder."""

    name: inputs.Text(200) = ""
    id_number: inputs.Text(20) = ""


class ComponentIn(Strict):
    code: inputs.RequiredText(40)
    copies: inputs.Integer(1, 100) = 1


class Submission(Strict):
    procedure: inputs.RequiredText(20) = Field(..., description="Mã thủ tục, ví dụ 1.004222")
    agency: inputs.Text(40) = Field("", description="Mã định danh cơ quan giải quyết")
    channel: inputs.Integer(1, 3) | None = Field(
        None, description="1 trực tiếp (cán bộ tiếp nhận), 2 trực tuyến, 3 bưu chính"
    )
    case: inputs.Text(40) = Field("", description="Mã trường hợp của thủ tục")
    receive: bool = Field(
        True,
        description="kênh 1: false ghi nhận hồ sơ tại quầy mà chưa tiếp nhận (trạng thái 1), để hướng dẫn "
        "bổ sung (Mẫu 02) hoặc từ chối (Mẫu 03)",
    )
    applicant: ApplicantIn | None = Field(
        None, description="Chủ hồ sơ. Trực tuyến: bỏ trống là chính chủ tài khoản"
    )
    authorised: AuthorisedIn | None = Field(
        None, description="Người được ủy quyền nộp hồ sơ (trực tuyến: chính chủ tài khoản nộp thay)"
    )
    components: list[ComponentIn] = Field([], max_length=100)
    summary: inputs.Text(MAX_TEXT, multiline=True) = ""
    fee_reduction: inputs.Text(200) = Field(
        "",
        description="Đối tượng miễn, giảm phí, lệ phí mà người nộp thuộc về, đúng tên thủ tục liệt kê "
        "(ví dụ “Hộ nghèo”); trống = nộp đủ",
    )


class PaperMetadata(Strict):
    """The minimum metadata of a digitised paper (domain.md §1.3: QĐ 1100/QĐ-BKHĐT 2022 Art. 14(1)). Every
    part is optional on upload; a scan is *digitised* only with all of them (`complete`)."""

    doc_type: inputs.Text(40) = Field("", description="Mã loại giấy tờ")
    doc_name: inputs.Text(500) = Field("", description="Tên giấy tờ")
    holder_id_number: inputs.Text(20) = Field(
        "", description="Số định danh cá nhân (12 chữ số), số CMND (9) hoặc mã số thuế của tổ chức"
    )
    holder_name: inputs.Text(200) = Field("", description="Không có số định danh: họ và tên")
    holder_birth_year: inputs.Integer(1900, 2100) | None = Field(None, description="... năm sinh")
    issued_on: inputs.Day = Field(None, description="... ngày cấp (YYYY-MM-DD)")
    issuer: inputs.Text(300) = Field("", description="... cơ quan cấp")
    content_summary: inputs.Text(2000, multiline=True) = Field("", description="Trích yếu nội dung chính")
    valid_from: inputs.Day = Field(None, description="Hiệu lực từ ngày (YYYY-MM-DD)")
    valid_to: inputs.Day = Field(None, description="Hiệu lực đến ngày (YYYY-MM-DD)")
    valid_indefinitely: bool = Field(False, description="Không thời hạn")
    validity_scope: inputs.Text(300) = Field("", description="Phạm vi hiệu lực")

    @field_validator("holder_id_number")
    @classmethod
    def _an_identifier(cls, value: str) -> str:
        if not value:
            return value
        try:
            if len(value) == 12 and value.isascii() and value.isdigit():
                return check_personal_id(value)
            if len(value) == 9 and value.isascii() and value.isdigit():
                return value  # an old identity card number (CMND), still on older papers
            return check_tax_code(value)
        except ValidationFailed as exc:
            raise PydanticCustomError(exc.code, exc.message) from None

    def model_post_init(self, context: Any) -> None:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationFailed(
                "Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực.",
                code="invalid_field",
                details={"field": "valid_to"},
            )
        if self.valid_indefinitely and self.valid_to:
            raise ValidationFailed(
                "Giấy tờ không thời hạn thì không có ngày hết hiệu lực.",
                code="invalid_field",
                details={"field": "valid_to"},
            )

    @property
    def holder_known(self) -> bool:
        """An identification number, or else full name, year of birth, date of issue and issuer."""
        return bool(self.holder_id_number) or bool(
            self.holder_name and self.holder_birth_year and self.issued_on and self.issuer
        )

    @property
    def complete(self) -> bool:
        return not self.missing()

    def missing(self) -> list[str]:
        """The names of the fields still needed for `complete` (for the page's hint)."""
        out = [n for n in ("doc_type", "doc_name") if not getattr(self, n)]
        if not self.holder_known:
            out.append("holder_id_number")
        if not self.content_summary:
            out.append("content_summary")
        if not (self.valid_indefinitely or (self.valid_from and self.valid_to)):
            out.append("valid_to" if self.valid_from else "valid_from")
        if not self.validity_scope:
            out.append("validity_scope")
        return out
