"""The typed input of a dossier submission (contract §4): the API's request schema and the intake
service's argument are this one class, so the body is checked once, with the shared parsers of
`motcua.core.inputs` (NFC, length, no control characters or lone surrogates)."""

from __future__ import annotations

from ninja import Field, Schema
from pydantic import ConfigDict, field_validator
from pydantic_core import PydanticCustomError

from motcua.core import inputs

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
