"""Whether this browser session was signed in with VNeID (contract §9), for TaiKhoanDuocXacThucVoiVNeID.

The OpenID Connect exchange itself lives at the edge (`motcua.integrations.vneid`); once it has signed a
person in it calls `remember`, and whoever files a dossier asks `verified`. A bearer token is never
VNeID-verified: only the session that went through the provider is.
"""

from __future__ import annotations

SESSION_KEY = "motcua_vneid"


def remember(request, id_number: str) -> None:
    """Call after `login()`: Django rotates the session key at login but keeps its data."""
    request.session[SESSION_KEY] = id_number


def verified(request) -> bool:
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or not user.is_authenticated or session is None:
        return False
    id_number = session.get(SESSION_KEY)
    applicant = getattr(user, "applicant", None) if id_number else None
    return bool(applicant is not None and applicant.id_number == id_number)
