"""Which motcua account a verified VNeID identity signs in as (contract §9).

The personal ID number links the person to their citizen account; a person without one gets an account on
first sign-in, through the same `directory.services.register_applicant` as every other citizen account. A
VNeID identity never signs in as staff: officers use their own accounts, so an identity document cannot
grant an officer's powers.
"""

from __future__ import annotations

import re
import secrets
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from motcua.core import inputs
from motcua.core.errors import Conflict, ValidationFailed
from motcua.core.identity import check_personal_id
from motcua.directory import selectors as directory
from motcua.directory import services as directory_services
from motcua.directory.models import Applicant

from .client import Failure

_PHONE = re.compile(r"^\+?[0-9 .-]{8,20}$")


def id_number_from(claims: dict[str, Any], claim: str) -> str:
    value = claims.get(claim)
    if not isinstance(value, str):
        raise Failure("id_claim_missing" if value is None else "id_claim_invalid")
    try:
        return check_personal_id(value)  # 12 ASCII digits, a real birth-registration code
    except ValidationFailed as exc:
        raise Failure("id_claim_invalid") from exc


def _text(claims: dict[str, Any], name: str, max_length: int) -> str:
    """A profile claim as clean text, or '' when it is absent or unusable (a profile field is not worth a
    refused sign-in)."""
    value = claims.get(name)
    if name == "address" and isinstance(value, dict):  # OpenID Connect Core §5.1.1: an address object
        value = value.get("formatted")
    if not isinstance(value, str):
        return ""
    try:
        return inputs.text(value, name, max_length=max_length)
    except ValidationFailed:
        return ""


def profile(claims: dict[str, Any], id_number: str) -> dict[str, Any]:
    """The account data the provider vouches for: names, birth date, phone, e-mail, address."""
    family, given = _text(claims, "family_name", 150), _text(claims, "given_name", 150)
    name = _text(claims, "name", 200) or " ".join(p for p in (family, given) if p)
    if name and not (family or given):
        family, _, given = name.rpartition(" ")  # Vietnamese order: the given name is the last word
    email = _text(claims, "email", 254)
    try:
        validate_email(email)
    except ValidationError:
        email = ""
    phone = _text(claims, "phone_number", 20)
    birth = None
    raw = claims.get("birthdate")
    if isinstance(raw, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
        try:
            birth = date.fromisoformat(raw)
            check_personal_id(id_number, birth_date=birth)  # the ID's year of birth must agree
        except (ValueError, ValidationFailed):
            birth = None
    return {
        "full_name": name,
        "family_name": family[:150],
        "given_name": given[:150],
        "birth_date": birth,
        "phone": phone if _PHONE.match(phone) else "",
        "email": email,
        "address": _text(claims, "address", 300),
    }


def _usable(user) -> None:
    if not user.is_active:
        raise Failure("account_inactive")
    if user.is_staff or user.is_superuser or directory.is_staff_member(user):
        raise Failure("staff_account")


def _existing(id_number: str):
    applicant = (
        Applicant.objects.select_related("user")
        .filter(kind=Applicant.Kind.CITIZEN, id_number=id_number)
        .order_by("pk")
        .first()
    )
    return applicant.user if applicant is not None else None


def account_for(claims: dict[str, Any], id_claim: str):
    """The user this identity signs in as, created on first sign-in. Raises Failure, creating nothing."""
    id_number = id_number_from(claims, id_claim)
    user = _existing(id_number)
    if user is None:
        data = profile(claims, id_number)
        if not data["full_name"]:
            raise Failure("name_missing")
        try:
            with transaction.atomic():
                applicant = directory_services.register_applicant(
                    # Random: a username is shown and typed; the personal ID must not be either.
                    username=f"vneid_{secrets.token_hex(6)}",
                    kind=Applicant.Kind.CITIZEN,
                    full_name=data["full_name"],
                    id_number=id_number,
                    birth_date=data["birth_date"],
                    phone=data["phone"],
                    email=data["email"],
                    address=data["address"],
                )
                user = applicant.user
                user.last_name, user.first_name = data["family_name"], data["given_name"]
                user.save(update_fields=["last_name", "first_name"])
        except Conflict:
            # The same person's other tab won the race: sign in to the account it created.
            user = _existing(id_number)
            if user is None:
                raise Failure("account_conflict") from None
        except ValidationFailed as exc:
            raise Failure("profile_invalid", detail=exc.code) from exc
    _usable(user)
    return user
