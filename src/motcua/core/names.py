"""Vietnamese personal names: family name first ("Trần Thị Lan").

Django's `get_full_name()` puts `first_name` first, which is the English order. motcua keeps the family
and middle names ("Trần Thị") in `last_name` and the given name ("Lan") in `first_name`, so every page,
form and log entry takes a person's name from here, never from `get_full_name()`.
"""

from __future__ import annotations


def full_name(user) -> str:
    """'Trần Thị Lan' for last_name 'Trần Thị' and first_name 'Lan'; the username when both are empty;
    '' for no user."""
    if user is None:
        return ""
    parts = (getattr(user, "last_name", "") or "", getattr(user, "first_name", "") or "")
    name = " ".join(p.strip() for p in parts if p and p.strip())
    return name or (user.get_username() if hasattr(user, "get_username") else "")


def given_name(user) -> str:
    """The name a person is addressed by in Vietnamese ("chị Lan"): the given name, the last word."""
    name = full_name(user)
    return name.rsplit(" ", 1)[-1] if name else ""
