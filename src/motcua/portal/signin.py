"""Sign-in and sign-out for staff and local citizen accounts (contract §6: `/dang-nhap/`, `/dang-xuat/`).

One page for everyone; where a person lands afterwards depends on who they are (`landing`). Failed
attempts are throttled by django-axes (settings.AXES_*), whose lock-out answer is `views.signin_locked_out`.
The Django admin's own login page is not used: `/admin/login/` sends people here.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from motcua.directory import selectors as directory
from motcua.directory.models import Role

TEMPLATE = "portal/signin.html"


class SignInForm(forms.Form):
    username = forms.CharField(
        label=_("Tên đăng nhập"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "autofocus": True}
        ),
    )
    password = forms.CharField(
        label=_("Mật khẩu"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        # The same words whether the name or the password was wrong: a stranger learns no usernames.
        "invalid": _(
            "Tên đăng nhập hoặc mật khẩu không đúng. Lưu ý: mật khẩu phân biệt chữ hoa, chữ thường."
        ),
        "inactive": _("Tài khoản này đã bị khóa. Vui lòng liên hệ quản trị hệ thống của đơn vị."),
    }

    def __init__(self, request: HttpRequest, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        username = (self.cleaned_data.get("username") or "").replace("\x00", "")
        password = (self.cleaned_data.get("password") or "").replace("\x00", "")
        if username and password:
            self.user = authenticate(self.request, username=username, password=password)
            if self.user is None:
                if _inactive_with_password(username, password):
                    raise forms.ValidationError(self.error_messages["inactive"], code="inactive")
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return self.cleaned_data


def _inactive_with_password(username: str, password: str) -> bool:
    """A locked account with the right password deserves to hear why it cannot get in."""
    user = get_user_model().objects.filter(username=username, is_active=False).first()
    return bool(user and user.check_password(password))


def landing(user) -> str:
    """Where a person goes after signing in: the system administrator to the admin, a reception officer
    to the counter, other staff to their work queue, a citizen or an organisation to their own space
    (/ca-nhan/: their dossiers and data warehouse)."""
    if directory.is_sysadmin(user):
        return reverse("admin:index")
    roles = set().union(set(), *directory.roles_at(user).values())
    if Role.RECEPTION in roles:
        return reverse("workspace:counter")
    if roles:
        return reverse("workspace:queue")
    return reverse("personal:home")


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    target = target.replace("\x00", "")[:500]
    ok = url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure())
    return target if target and ok and target.startswith("/") else ""


def _context(form: SignInForm, target: str) -> dict:
    # The VNeID button only where an identity provider is configured (contract §9), never a dead link.
    return {"form": form, "next": target, "vneid": bool(getattr(settings, "OIDC_ISSUER", ""))}


def page(request: HttpRequest, *, vneid_error: str = "", target: str = "", status: int = 200) -> HttpResponse:
    """The sign-in page as another sign-in (VNeID) shows it: with that sign-in's error, if any."""
    context = _context(SignInForm(request), target)
    context["vneid_error"] = vneid_error
    return render(request, TEMPLATE, context, status=status)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    target = _next(request)
    if request.method != "POST":
        if request.user.is_authenticated and not target:
            return redirect(landing(request.user))
        return render(request, TEMPLATE, _context(SignInForm(request), target))
    form = SignInForm(request, data=request.POST)
    if not form.is_valid():
        return render(request, TEMPLATE, _context(form, target), status=400)
    login(request, form.user)
    return HttpResponseRedirect(target or landing(form.user))


@require_http_methods(["GET", "HEAD", "POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    """POST signs out (a link cannot sign anyone out behind their back); GET asks to confirm."""
    if request.method == "POST":
        logout(request)
        return render(request, "portal/signed_out.html")
    if not request.user.is_authenticated:
        return redirect("portal:signin")
    return render(request, "portal/signed_out.html", {"confirm": True})
