"""VietQR: the QR a banking app scans to transfer a dossier's fee to the collecting agency's account
(contract §8; NAPAS "Đặc tả kỹ thuật mã QR hiển thị cho dịch vụ chuyển nhanh NAPAS247", 09/2021, on EMVCo
Merchant-Presented Mode; ADR 0030).

The payload is a string of TLV objects `tag (2 digits) + length (2 digits) + value`:

    00 02 "01"                   payload format
    01 02 "12"                   point of initiation: dynamic (it carries an amount)
    38 ..                        merchant account information (NAPAS)
       00 10 "A000000727"          GUID of NAPAS
       01 ..                       beneficiary organisation
          00 06 BIN                  the receiving bank's NAPAS BIN
          01 ..  account number      up to 19 characters
       02 08 "QRIBFTTA"            service: NAPAS247 transfer to an account
    53 03 "704"                  currency: VND (ISO 4217)
    54 ..  amount                integer đồng, up to 13 digits
    58 02 "VN"                   country
    62 ..                        additional data
       08 ..  purpose              up to 25 characters: the transfer's message, the dossier code
    63 04 CRC                    CRC-16/CCITT-FALSE of everything before it, "6304" included

Everything in the payload is printable ASCII: banking apps show the purpose as typed, and a diacritic
in it comes out garbled or is refused by some. `build` refuses what is not; `to_ascii` folds Vietnamese.
"""

from __future__ import annotations

import binascii
import io
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import segno
from unidecode import unidecode

from motcua.core.errors import NotFound, ValidationFailed

logger = logging.getLogger(__name__)

GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
COUNTRY = "VN"
DYNAMIC = "12"

BIN_RE = re.compile(r"[0-9]{6}")
# The spec allows 'ans' up to 19; Vietnamese account numbers are digits, some letters (e-wallet aliases).
ACCOUNT_RE = re.compile(r"[A-Za-z0-9]{1,19}")
AMOUNT_MAX = 10**13 - 1  # tag 54: up to 13 characters
PURPOSE_MAX = 25  # tag 62 sub-tag 08: 'ans', var. up to 25
# A conservative set that every banking app passes on as typed: letters, digits, space and a code's marks.
PURPOSE_RE = re.compile(r"[A-Za-z0-9.\-_/]([A-Za-z0-9 .\-_/]*[A-Za-z0-9.\-_/])?")

# EMVCo: templates whose value is itself TLV: 26-51 merchant account information, 62 additional data,
# 64 language template, 80-99 unreserved templates; inside NAPAS's 38, sub-tag 01 (beneficiary) too.
NESTING: dict[str, dict] = {
    **{f"{t:02d}": {} for t in (*range(26, 52), 62, 64, *range(80, 100))},
    "38": {"01": {}},
}

Tree = dict[str, Any]  # tag -> str, or a nested Tree for templates


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor) as 4 upper-case hex
    digits. binascii.crc_hqx is exactly this CRC given init 0xFFFF (ADR 0030)."""
    return f"{binascii.crc_hqx(data.encode('utf-8'), 0xFFFF):04X}"


def tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValidationFailed(
            f"Trường {tag} của mã VietQR dài quá 99 ký tự.", code="vietqr_invalid", details={"field": tag}
        )
    return f"{tag}{len(value):02d}{value}"


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, code="vietqr_invalid", details={"field": field})


def check_bin(bank_bin: str) -> str:
    if not isinstance(bank_bin, str) or not BIN_RE.fullmatch(bank_bin):
        raise _invalid("bank_bin", "Mã BIN ngân hàng phải gồm đúng 6 chữ số (danh sách của NAPAS).")
    return bank_bin


def check_account(account: str) -> str:
    if not isinstance(account, str) or not ACCOUNT_RE.fullmatch(account):
        raise _invalid(
            "account_number", "Số tài khoản phải gồm từ 1 đến 19 chữ số hoặc chữ cái, không dấu cách."
        )
    return account


def check_amount(amount: int) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= AMOUNT_MAX:
        raise _invalid("amount", "Số tiền phải là số nguyên đồng dương, tối đa 13 chữ số.")
    return amount


def check_purpose(purpose: str) -> str:
    if not isinstance(purpose, str) or len(purpose) > PURPOSE_MAX or not PURPOSE_RE.fullmatch(purpose):
        raise _invalid(
            "purpose",
            f"Nội dung chuyển khoản tối đa {PURPOSE_MAX} ký tự, chỉ gồm chữ không dấu, chữ số, "
            "dấu cách và . - _ /.",
        )
    return purpose


def to_ascii(text: str, limit: int = PURPOSE_MAX) -> str:
    """Vietnamese text as a purpose the payload accepts: 'Lệ phí hộ tịch' -> 'Le phi ho tich' (đ -> d),
    other marks dropped, cut at `limit` on a word boundary when it can be."""
    folded = re.sub(r"[^A-Za-z0-9 .\-_/]+", " ", unidecode(text))
    folded = " ".join(folded.split())
    if len(folded) > limit:
        cut = folded[:limit]
        folded = cut.rsplit(" ", 1)[0] if " " in cut else cut
    return folded.strip(" .-_/")


@dataclass(frozen=True)
class Transfer:
    """What a VietQR payload asks the payer's bank to do."""

    bank_bin: str
    account_number: str
    amount: int | None
    purpose: str
    service: str = SERVICE_TO_ACCOUNT


def build(bank_bin: str, account_number: str, amount: int, purpose: str) -> str:
    """The payload of a transfer of `amount` đồng to `account_number` at the bank `bank_bin`, with
    `purpose` as the transfer's message. ValidationFailed `vietqr_invalid` (details.field) otherwise."""
    check_bin(bank_bin)
    check_account(account_number)
    check_amount(amount)
    check_purpose(purpose)
    beneficiary = tlv("00", bank_bin) + tlv("01", account_number)
    merchant = tlv("00", GUID) + tlv("01", beneficiary) + tlv("02", SERVICE_TO_ACCOUNT)
    body = (
        tlv("00", "01")
        + tlv("01", DYNAMIC)
        + tlv("38", merchant)
        + tlv("53", CURRENCY_VND)
        + tlv("54", str(amount))
        + tlv("58", COUNTRY)
        + tlv("62", tlv("08", purpose))
        + "6304"
    )
    return body + crc16(body)


def _malformed(message: str) -> ValidationFailed:
    return ValidationFailed(f"Mã VietQR sai cấu trúc: {message}", code="vietqr_malformed")


def _split(text: str, nesting: dict[str, dict], where: str) -> Tree:
    tree: Tree = {}
    i = 0
    while i < len(text):
        head = text[i : i + 4]
        if len(head) < 4 or not (head.isascii() and head.isdigit()):
            raise _malformed(f"thẻ không hợp lệ ở vị trí {i} của {where}.")
        tag, length = head[:2], int(head[2:])
        value = text[i + 4 : i + 4 + length]
        if length == 0 or len(value) != length:
            raise _malformed(f"độ dài của thẻ {where}{tag} không khớp.")
        if tag in tree:
            raise _malformed(f"thẻ {where}{tag} lặp lại.")
        tree[tag] = _split(value, nesting[tag], f"{where}{tag}/") if tag in nesting else value
        i += 4 + length
    return tree


def parse(payload: str) -> Tree:
    """The TLV tree of a payload (templates as nested dicts; NAPAS's 38/01 too). Checks the structure
    only, `verify` checks the CRC. ValidationFailed `vietqr_malformed`."""
    if not isinstance(payload, str) or not payload:
        raise _malformed("rỗng.")
    tree = _split(payload, NESTING, "")
    if next(iter(tree)) != "00" or tree["00"] != "01":
        raise _malformed("thiếu thẻ 00 (phiên bản 01) ở đầu.")
    if next(reversed(tree)) != "63" or len(tree["63"]) != 4:
        raise _malformed("thiếu thẻ 63 (CRC, 4 ký tự) ở cuối.")
    return tree


def verify(payload: str) -> bool:
    """The CRC in tag 63 is that of the payload up to and including "6304" (upper- or lower-case hex)."""
    if not isinstance(payload, str) or len(payload) < 8 or payload[-8:-4] != "6304":
        return False
    return payload[-4:].upper() == crc16(payload[:-4])


def decode(payload: str) -> Transfer:
    """The transfer a NAPAS VietQR payload asks for, once its structure and CRC are checked.
    ValidationFailed `vietqr_malformed`, `vietqr_bad_crc`, or `vietqr_invalid` for a field out of spec."""
    tree = parse(payload)
    if not verify(payload):
        raise ValidationFailed("Mã VietQR sai mã kiểm tra (CRC).", code="vietqr_bad_crc")
    merchant = tree.get("38")
    if not isinstance(merchant, dict) or merchant.get("00") != GUID:
        raise _malformed("không có thông tin tài khoản NAPAS (thẻ 38, A000000727).")
    beneficiary = merchant.get("01")
    if not isinstance(beneficiary, dict) or "00" not in beneficiary or "01" not in beneficiary:
        raise _malformed("thiếu ngân hàng hoặc số tài khoản thụ hưởng (thẻ 38/01).")
    if tree.get("53", CURRENCY_VND) != CURRENCY_VND:
        raise _malformed("đơn vị tiền không phải VND (thẻ 53).")
    amount = tree.get("54")
    if amount is not None and not (amount.isascii() and amount.isdigit()):
        raise _invalid("amount", "Số tiền trong mã VietQR không phải số nguyên đồng.")
    additional = tree.get("62", {})
    return Transfer(
        bank_bin=check_bin(beneficiary["00"]),
        account_number=check_account(beneficiary["01"]),
        amount=check_amount(int(amount)) if amount is not None else None,
        purpose=additional.get("08", "") if isinstance(additional, dict) else "",
        service=merchant.get("02", ""),
    )


# --------------------------------------------------------------------------------------------- images
# Medium error correction (15 %): a phone camera on a screen's glare or a creased paper still reads it,
# and a dossier's payload (139 characters; 150 at the limits) stays at version 6, 41 modules: coarse
# enough for a cheap camera.
ERROR = "m"
QUIET_ZONE = 4  # modules: ISO/IEC 18004's minimum on each side
PNG_SCALE = 8  # pixels a module: 49 x 8 = 392 px, sharp on a phone screen and printable at 3 cm+


def qr(payload: str) -> segno.QRCode:
    return segno.make(payload, error=ERROR, micro=False, boost_error=False)


@lru_cache(maxsize=256)
def png(payload: str, scale: int = PNG_SCALE) -> bytes:
    """The code as a black-on-white PNG with its quiet zone (about 600 bytes). segno takes ~80 ms to
    encode and draw one, so a process keeps the last few hundred: a payer's page asks again and again."""
    out = io.BytesIO()
    qr(payload).save(out, kind="png", scale=scale, border=QUIET_ZONE, dark="#000", light="#fff")
    return out.getvalue()


def svg(payload: str) -> str:
    """The code as inline SVG (sized by the page's CSS; vector, so it prints sharp at any size), with
    its quiet zone. segno writes only path data: nothing from the payload reaches the markup."""
    return qr(payload).svg_inline(border=QUIET_ZONE, omitsize=True, svgclass="vietqr", lineclass=None)


# -------------------------------------------------------------------------------------------- dossiers
def purpose_for(code: str) -> str:
    """A dossier's transfer message: its code (25 characters in the standard {identifier}-{yymmdd}-{NNNN}
    shape, the whole of tag 62/08, so no prefix fits). A longer code keeps its right-hand end, the date and
    number that tell the collecting agency's dossiers apart."""
    text = to_ascii(code, limit=len(code))
    return text[-PURPOSE_MAX:].lstrip(" ")


def for_dossier(dossier, amount: int) -> dict[str, Any] | None:
    """The VietQR of `amount` đồng for the dossier, on the account of the agency that collects its fees
    (`ledger.account_for`: one query, with `dossier.agency` loaded): payload and what a page shows beside
    it. None when there is no account or nothing to pay; a stored account the spec refuses (entered
    around the admin's checks) is logged and gives None, as no account would."""
    from .ledger import account_for

    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        return None
    account = account_for(dossier)
    if account is None:
        return None
    purpose = purpose_for(dossier.code)
    try:
        payload = build(account.bank_bin, account.account_number, amount, purpose)
    except ValidationFailed as exc:
        logger.warning("vietqr: receiving account %s refused: %s", account.pk, exc.details)
        return None
    return {
        "payload": payload,
        "bank_bin": account.bank_bin,
        "bank_name": account.bank_name,
        "account_number": account.account_number,
        "account_name": account.account_name,
        "amount": amount,
        "purpose": purpose,
    }


def dossier_png(user, code: str) -> bytes:
    """The PNG of what the dossier `code` still owes (fee_total - fee_paid), for whoever may see it.
    404 `dossier_not_found` (not visible), `vietqr_nothing_owed`, `vietqr_no_account`."""
    from motcua.dossiers.selectors import dossiers_visible_to

    d = None
    if isinstance(code, str) and 0 < len(code) <= 60 and "\x00" not in code:
        d = dossiers_visible_to(user).select_related("agency").filter(code=code).first()
    if d is None:
        raise NotFound(f"Không có hồ sơ mã '{code}'.", code="dossier_not_found")
    owed = d.fee_total - d.fee_paid
    if owed <= 0:
        raise NotFound("Hồ sơ không còn khoản phí, lệ phí nào phải nộp.", code="vietqr_nothing_owed")
    qr_data = for_dossier(d, owed)
    if qr_data is None:
        raise NotFound(
            "Cơ quan thu phí của hồ sơ chưa khai báo tài khoản nhận chuyển khoản.", code="vietqr_no_account"
        )
    return png(qr_data["payload"])
