"""The Django admin as motcua's system-administration site (docs/adr/0014).

Only a system administrator may use it: an active account with the admin flag (`is_staff`) that is also a
system administrator in the directory (superuser or a `sysadmin` assignment, `directory.selectors.is_sysadmin`).
Nobody signs in here: the admin's login URL sends people to the one sign-in page, and a signed-in officer or
citizen who opens /admin/ is told in Vietnamese where to work instead of seeing Django's English refusal.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from motcua.directory import selectors as directory


def may_administer(user) -> bool:
    if not (user.is_active and user.is_staff):
        return False
    return user.is_superuser or directory.is_sysadmin(user)  # a superuser costs no query


class MotcuaAdminSite(admin.AdminSite):
    site_header = _("Quản trị hệ thống motcua")
    site_title = _("Quản trị hệ thống motcua")
    index_title = _("Danh mục quản trị")
    # The sidebar repeats the index beside every table and takes a third of a 1366 px screen.
    enable_nav_sidebar = False

    def has_permission(self, request: HttpRequest) -> bool:
        return may_administer(request.user)

    def each_context(self, request: HttpRequest) -> dict:
        context = super().each_context(request)
        centre = directory.service_centre()
        if centre is not None:
            context["site_header"] = f"{self.site_header} – {centre.name}"
        return context

    def admin_view(self, view, cacheable: bool = False):
        guarded = super().admin_view(view, cacheable)

        @never_cache
        @wraps(guarded)
        def inner(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            # Straight to the sign-in page (not through the admin's login URL), or a refusal in Vietnamese.
            if not request.user.is_authenticated:
                return sign_in_redirect(request.get_full_path())
            if not self.has_permission(request):
                return self.refuse(request)
            return guarded(request, *args, **kwargs)

        return inner

    @method_decorator(never_cache)
    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """The admin has no sign-in form of its own: the one sign-in page, coming back here afterwards."""
        target = request.GET.get("next", "")
        if not (url_has_allowed_host_and_scheme(target, {request.get_host()}) and target.startswith("/")):
            target = reverse("admin:index", current_app=self.name)
        if not request.user.is_authenticated:
            return sign_in_redirect(target)
        if not self.has_permission(request):
            return self.refuse(request)
        return HttpResponseRedirect(target)

    def refuse(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        context = {
            **self.each_context(request),
            "title": _("Không có quyền vào trang quản trị"),
            "officer": directory.is_staff_member(user),
            "workspace_url": reverse("workspace:queue"),
            "sign_out_url": reverse("portal:signout"),
        }
        return render(request, "admin/motcua_refused.html", context, status=403)


def sign_in_redirect(target: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse('portal:signin')}?{urlencode({'next': target})}")
