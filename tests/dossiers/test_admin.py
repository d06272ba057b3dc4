"""The admin as a finished product (docs/adr/0014): every page opens in Vietnamese, every label shown is
Vietnamese, JSON is read as tables, names are family name first, and the big lists cost a fixed number of
queries whatever their length."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.admin.utils import flatten_fieldsets, label_for_field
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from motcua.access.auth import issue_token
from motcua.catalog.models import Procedure, SearchSynonym
from motcua.directory.models import CalendarDay, Counter
from motcua.documents import issuing
from motcua.dossiers import machine
from motcua.dossiers.models import Dossier, DossierEvent, Workflow, WorkflowStep
from motcua.integrations.dvcqg.models import PortalSync
from motcua.integrations.models import OutboxMessage
from motcua.integrations.population.models import Lookup
from motcua.payments.models import (
    Payment,
    PaymentAttempt,
    PaymentNotice,
    PaymentRequest,
    ReceivingAccount,
    Refund,
)
from tests.dossiers.conftest import local
from tests.portal.test_pages import visible

pytestmark = pytest.mark.django_db

# What Django or our models would show if a translation or a verbose name were missing.
ENGLISH = (
    "Django",
    "Skip to main content",
    "Toggle theme",
    "Model name",
    "Add link",
    "Show counts",
    "Can add",
    "Can view",
    "Procedure version",
    "procedure version",
    "Dossier component",
    "Dossier event",
    "Outbox message",
    "outbox message",
    "Idempotency record",
    "Throttle counter",
    "Api token",
    "Access attempt",
    "Access attempts",
    "access log",
    "Applicant kind",
    "Actor name",
    "From status",
    "To status",
    "Created at",
    "Updated at",
    "Paid online",
    "Next attempt",
    "Last error",
    "Effective from",
    "Attempt Time",
    "IP Address",
    "Failed Logins",
    "User Agent",
    "Dossiers",
    "Sessions",
    "Axes",
    "e.g. the dossier code",
    "Select this object",
)


@pytest.fixture
def world(people, agencies, counter, perform):
    """A dossier received, forwarded twice (events with data, outbox messages), and a row in every other table."""
    for username, last, first in (
        ("tiepnhan", "Trần Thị", "Lan"),
        ("chuyenvien", "Lê Văn", "Minh"),
        ("lanhdao", "Nguyễn Văn", "Hùng"),
    ):
        people[username].last_name, people[username].first_name = last, first
        people[username].save()
    d = counter()
    perform("tiepnhan", d, "forward", local(2025, 8, 15, 16))
    perform("chuyenvien", d, "forward", local(2025, 8, 18, 14), to="lanhdao")
    issuing.issue(Dossier.objects.get(pk=d.pk), "Giấy khai sinh", at=local(2025, 8, 19, 9))  # a Result row
    workflow = Workflow.objects.create(agency=agencies["justice"], name="Quy trình chung")
    WorkflowStep.objects.create(workflow=workflow, order=1, title="Thẩm định", role="specialist")
    CalendarDay.objects.create(date=local(2025, 9, 2).date(), kind="holiday", name="Quốc khánh")
    Counter.objects.create(agency=agencies["centre"], number=1, name="Quầy tư pháp")
    Group.objects.create(name="Tổ tin học")
    at = local(2025, 8, 15, 17)
    PortalSync.objects.create(dossier=d, acked_version=1, acked_status=2, first_acked_at=at, acked_at=at)
    SearchSynonym.objects.create(phrase="làm sổ đỏ", meaning="cấp giấy chứng nhận quyền sử dụng đất")
    payments(people, agencies, d, perform, at)
    issue_token(people["chuyenvien"])
    AccessAttempt.objects.create(
        username="an",
        ip_address="203.0.113.5",
        user_agent="x",
        path_info="/dang-nhap/",
        failures_since_start=2,
    )
    Lookup.objects.create(
        at=local(2025, 8, 15, 9),
        user=people["tiepnhan"],
        username="tiepnhan",
        id_number="040190001234",
        purpose="counter",
        outcome="mismatch",
        mismatched=["birth_date"],
        dossier=d,
    )
    return Dossier.objects.get(pk=d.pk)


def payments(people, agencies, d, perform, at) -> None:
    """A row in every payments table: the account, the fee paid at the counter, an attempt, a refund, a notice."""
    ReceivingAccount.objects.create(
        agency=agencies["justice"],
        bank_bin="970436",
        bank_name="Vietcombank",
        account_number="0101000001001",
        account_name="SO TU PHAP TINH NGHE AN",
        receipt_series="AA-26E",
    )
    request = PaymentRequest.objects.filter(dossier=d).first() or PaymentRequest.objects.create(
        dossier=d, kind="filing", amount=20000, reason="Phí, lệ phí của thủ tục", requested_at=at
    )
    attempt = PaymentAttempt.objects.create(
        request=request,
        gateway="dvcqg",
        reference="MCADMIN00000001",
        amount=request.amount,
        started_at=at,
        init_time="20250815170000",
        description="Nop phi le phi",
    )
    if request.state == "open":
        perform("tiepnhan", d, "pay", local(2025, 8, 18, 15), method="cash")
    payment = Payment.objects.filter(dossier=d).first()
    Refund.objects.create(payment=payment, amount=1000, reason="Thử hoàn trả", at=at, by=people["tiepnhan"])
    PaymentNotice.objects.create(
        received_at=at,
        source="callback",
        gateway="dvcqg",
        reference=attempt.reference,
        attempt=attempt,
        outcome="wrong_amount",
        amount=1,
        flagged=True,
        body={"MaThamChieu": attempt.reference, "SoTien": "1"},
    )


@pytest.fixture
def admin_client_(people):
    client = Client()
    client.force_login(people["admin"])
    return client


class Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inline = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        # JSON data blocks (json_script) run nothing; every script that runs comes from a file.
        if tag == "script" and "src" not in attrs and attrs.get("type") != "application/json":
            self.inline.append(attrs)
        if attrs.get("style") is not None:
            self.inline.append({tag: attrs["style"]})


def check_page(response, url: str) -> str:
    assert response.status_code == 200, url
    html = response.content.decode()
    text = visible(response)
    assert re.search(r"<title>[^<]*\| Quản trị hệ thống motcua</title>", html), url
    leaked = [word for word in ENGLISH if word in html]
    assert not leaked, f"{url}: {leaked}"
    # No JSON in a text box: read-only JSON is a table, editable lists have their own fields.
    assert not re.search(r"<textarea[^>]*>\s*[\[{]", html), url
    scripts = Scripts()
    scripts.feed(html)
    assert scripts.inline == [], f"{url}: inline script or style {scripts.inline}"
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    return text


def test_every_admin_page_opens_in_vietnamese_without_django_or_inline_script(admin_client_, world):
    opened = 0
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        url = reverse("admin:{}_{}_changelist".format(*info))
        response = admin_client_.get(url)
        check_page(response, url)
        request = response.wsgi_request
        if model_admin.has_add_permission(request):
            url = reverse("admin:{}_{}_add".format(*info))
            check_page(admin_client_.get(url), url)
        obj = model._default_manager.order_by("pk").first()
        assert obj is not None, f"the fixture leaves {info} empty: its change page would go untested"
        url = reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
        check_page(admin_client_.get(url), url)
        opened += 1
    assert opened == len(admin.site._registry) >= 17


def made_up(label, name: str) -> bool:
    """The label Django makes up from the name when no verbose name (or translation) exists."""
    return str(label).lower() == name.replace("__", " ").replace("_", " ").lower()


def shown_names(model_admin, request, obj) -> tuple[list[str], dict]:
    if isinstance(model_admin, InlineModelAdmin):
        names, form = [], model_admin.get_formset(request, obj).form
    else:
        names = [n for n in model_admin.get_list_display(request) if isinstance(n, str)]
        filters = model_admin.get_list_filter(request)
        names += [f if isinstance(f, str) else f[0] for f in filters if not isinstance(f, type)]
        form = model_admin.get_form(request, obj)
    names += [n for n in flatten_fieldsets(model_admin.get_fieldsets(request, obj)) if isinstance(n, str)]
    return names, form.base_fields


def test_every_label_the_admin_shows_is_vietnamese(people, world):
    """Columns, filters, form and inline fields of every registered model, and the model and app names."""
    request = RequestFactory().get("/admin/")
    request.user = people["admin"]
    missing = []
    with translation.override("vi"):
        for model, model_admin in admin.site._registry.items():
            obj = model._default_manager.order_by("pk").first()
            admins = [model_admin, *model_admin.get_inline_instances(request, obj)]
            for each in admins:
                names, form_fields = shown_names(each, request, obj)
                for name in names:
                    if name in form_fields:
                        label = form_fields[name].label
                    else:
                        label = label_for_field(name, each.model, each)
                    if made_up(label, name):
                        missing.append(f"{each.model._meta.label}.{name}: {label}")
                meta = each.model._meta
                for text in (meta.verbose_name, meta.verbose_name_plural, meta.app_config.verbose_name):
                    if re.fullmatch(r"[A-Za-z ()]+", str(text)):
                        missing.append(f"{meta.label}: {text}")
    assert missing == [], missing


def test_json_is_shown_as_labelled_tables(admin_client_, world):
    forward = DossierEvent.objects.get(dossier=world, seq=3)
    text = check_page(admin_client_.get(f"/admin/dossiers/dossierevent/{forward.pk}/change/"), "event")
    assert "người nhận to_user lanhdao" in text and "đến đơn vị to_agency 000.00.15.H40" in text
    assert f"Thao tác: {machine.label_of('forward', forward.from_status)}" in text
    message = OutboxMessage.objects.filter(key=world.code).order_by("pk").first()
    page = admin_client_.get(f"/admin/integrations/outboxmessage/{message.pk}/change/")
    html, text = page.content.decode(), check_page(page, "outbox")
    assert '<table class="motcua-json">' in html and "ngày nộp submitted_at" in text
    # ISO moments in the payload read as the site writes them, the exact value kept in the markup.
    assert re.search(r'<time datetime="2025-08-15T15:00:00\+07:00">15:00 15/08/2025</time>', html)
    version = Procedure.objects.get().versions.get()
    text = check_page(admin_client_.get(f"/admin/catalog/procedureversion/{version.pk}/change/"), "version")
    assert "phí, lệ phí fees" in text and "mức thu" not in text


def test_names_are_family_name_first(admin_client_, world):
    text = visible(admin_client_.get("/admin/auth/user/?q=tiepnhan"))
    assert "Họ và tên" in text and "Trần Thị Lan" in text
    text = visible(admin_client_.get(f"/admin/dossiers/dossier/{world.pk}/change/"))
    assert "Người đang xử lý: Nguyễn Văn Hùng (lanhdao)" in text
    event = DossierEvent.objects.get(dossier=world, seq=2)
    text = visible(admin_client_.get(f"/admin/dossiers/dossierevent/{event.pk}/change/"))
    assert "Trần Thị Lan (tiepnhan)" in text


def test_long_procedure_names_are_cut_with_the_whole_name_on_hover(admin_client_, world):
    procedure = Procedure.objects.get()
    procedure.name = (
        "Cấp giấy phép lưu hành xe quá tải trọng, xe quá khổ giới hạn, xe bánh xích trên đường bộ"
    )
    procedure.save()
    html = admin_client_.get("/admin/dossiers/dossier/").content.decode()
    assert f'title="{procedure.name}"' in html and "Cấp giấy phép lưu hành xe quá tải trọng, xe quá…" in html


# On PostgreSQL an unfiltered big list first asks the planner for its estimate (EstimatedCountPaginator).
ESTIMATE = 1 if connection.vendor == "postgresql" else 0


def more_dossiers(counter, n: int) -> None:
    for i in range(n):
        counter(at=local(2025, 8, 20 + i % 5, 9, i))


@pytest.mark.parametrize(
    ("model", "queries"),
    [
        # session, user, the centre's name, the two agency filters, the count, the page of rows (procedure
        # and agency joined), and the date hierarchy's range and days.
        (Dossier, 9),
        (DossierEvent, 5),
        # ... and the queue's trouble counts, read once for the warning and the filter.
        (OutboxMessage, 12),
    ],
)
def test_the_big_lists_cost_the_same_queries_for_few_or_many_rows(
    admin_client_, world, counter, django_assert_num_queries, model, queries
):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    few = model.objects.count()
    with django_assert_num_queries(queries + ESTIMATE):
        page = admin_client_.get(url)
    assert len(page.context["cl"].result_list) == few
    more_dossiers(counter, 10)
    assert model.objects.count() >= few + 10
    with django_assert_num_queries(queries + ESTIMATE):
        page = admin_client_.get(url)
    assert len(page.context["cl"].result_list) == model.objects.count()


def test_an_unfiltered_list_on_postgresql_takes_the_planner_estimate(world, counter, settings):
    """The dossier, event and outbox lists never COUNT(*) a whole big table on PostgreSQL."""
    from motcua.core.admin import EstimatedCountPaginator

    if connection.vendor != "postgresql":
        pytest.skip("the planner's estimate is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE dossiers_dossierevent")
    analysed = DossierEvent.objects.count()
    more_dossiers(counter, 3)  # three more events the statistics do not know yet

    class Tiny(EstimatedCountPaginator):
        EXACT_BELOW = 1  # a test table is small: pretend it is big

    assert Tiny(DossierEvent.objects.all(), 50).count == analysed
    assert Tiny(DossierEvent.objects.filter(action="receive"), 50).count == 4  # filtered: exact
    assert EstimatedCountPaginator(DossierEvent.objects.all(), 50).count == analysed + 3
