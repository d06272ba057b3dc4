"""Who may open the officers' workspace, and what the header says about them.

Signed out: to the sign-in page, coming back here afterwards. Signed in without any staff role (a
citizen): 404, as for any page a caller may not see.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, wraps
from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from motcua.core.names import full_name
from motcua.directory import selectors as directory
from motcua.directory.models import Agency, Role
from motcua.dossiers.permissions import LOGBOOK_ROLES


@dataclass(frozen=True)
class Officer:
    user: object
    name: str
    roles: frozenset[str]
    agencies: tuple[Agency, ...]

    @property
    def receives(self) -> bool:
        return Role.RECEPTION in self.roles

    @property
    def keeps_logbook(self) -> bool:
        return bool(LOGBOOK_ROLES & self.roles)

    @property
    def handles_payments(self) -> bool:
        """Reception officers (and the administrator) resolve the payments the gateway's notices flag."""
        return self.receives or directory.is_sysadmin(self.user)

    @cached_property
    def payment_flags(self) -> str:
        """The navigation's count of flagged payments ('' when none; '99+' beyond): read when shown."""
        from motcua.payments.selectors import open_flag_count

        n, capped = open_flag_count(self.user)
        return f"{n}+" if capped else (str(n) if n else "")

    @property
    def role_labels(self) -> list[str]:
        return [label for value, label in Role.choices if value in self.roles]


def officer_of(user) -> Officer | None:
    roles = directory.roles_at(user)
    if not roles and not directory.is_sysadmin(user):
        return None
    agencies = tuple(Agency.objects.filter(pk__in=list(roles)).order_by("name")) if roles else ()
    return Officer(
        user=user,
        name=full_name(user),
        roles=frozenset(set().union(set(), *roles.values())),
        agencies=agencies,
    )


def staff_page(view):
    """Decorates a workspace view: sets `request.officer` or answers as the module docstring says."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(f"{reverse('portal:signin')}?{urlencode({'next': request.get_full_path()})}")
        officer = officer_of(request.user)
        if officer is None:
            raise Http404("not staff")
        request.officer = officer
        return view(request, *args, **kwargs)

    return wrapped
