"""Each notifying action, through `services.perform`, writes its notices in the change's transaction; only the
outbox worker sends them, once, by e-mail and SMS, and what it sent says the right thing."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from motcua.dossiers.models import Dossier
from motcua.integrations.models import OutboxMessage
from motcua.notifications.models import Notification
from motcua.notifications.selectors import notifications_of
from tests.dossiers.conftest import local, submission
from tests.integrations.conftest import Clock

Status = Notification.Status
FRI_1500 = local(2025, 8, 15, 15)
SITE = "https://dichvucong.nghean.gov.vn"


def sent_now(mailoutbox, sms_outbox, run_worker):
    """Run the worker; the e-mails and SMS it sent in this run."""
    mails, texts = len(mailoutbox), len(sms_outbox)
    run_worker()
    return mailoutbox[mails:], sms_outbox[texts:]


def processing(f):
    d = f.counter(at=FRI_1500)  # due Wed 20/08/2025 15:00
    return f.perform("tiepnhan", d, "forward", local(2025, 8, 15, 16))


def submitted(f):
    return f.online(at=local(2025, 8, 14, 20))


class Fixtures:
    def __init__(self, **kw):
        self.__dict__.update(kw)


# name: (the dossier before the action, the action (user, action, at, input), kind, status after,
#        e-mail subject, words in the e-mail, words in the SMS)
CASES = {
    "accept": (
        submitted,
        ("tiepnhan", "accept", FRI_1500, {}),
        "receipt",
        2,
        "Hồ sơ {code} đã được tiếp nhận",
        ["Kính gửi Ông/Bà Nguyễn Thị Hoa,", "Thời điểm tiếp nhận: 15:00 15/08/2025", "20/08/2025"],
        ["da duoc tiep nhan ngay 15/08/2025", "hen tra ket qua 15:00 20/08/2025"],
    ),
    "guidance": (
        submitted,
        (
            "tiepnhan",
            "request_supplement",
            FRI_1500,
            {
                "reason": "Thiếu giấy tờ chứng minh nơi cư trú",
                "items": ["Giấy xác nhận cư trú", "Bản sao giấy chứng sinh"],
            },
        ),
        "supplement",
        5,
        "Hồ sơ {code}: hướng dẫn bổ sung, hoàn thiện hồ sơ",
        ["- Giấy xác nhận cư trú\n- Bản sao giấy chứng sinh", "Lý do: Thiếu giấy tờ chứng minh nơi cư trú"],
        ["can bo sung, hoan thien truoc khi tiep nhan", "Ly do: Thieu giay to chung minh noi cu tru"],
    ),
    "request_supplement": (
        processing,
        (
            "chuyenvien",
            "request_supplement",
            local(2025, 8, 18, 9),
            {"reason": "Bản sao chưa chứng thực", "items": ["Bản sao có chứng thực giấy chứng sinh"]},
        ),
        "supplement",
        5,
        "Hồ sơ {code}: yêu cầu bổ sung hồ sơ",
        [
            "- Bản sao có chứng thực giấy chứng sinh",
            "thời hạn giải quyết tạm dừng",
            "Ngày yêu cầu: 18/08/2025",
        ],
        ["yeu cau bo sung giay to", "Ly do: Ban sao chua chung thuc"],
    ),
    "apologize": (
        processing,
        (
            "chuyenvien",
            "apologize",
            local(2025, 8, 18, 9),
            {"reason": "Chờ xác minh của cơ quan khác", "new_due_at": "2025-08-22T10:00:00"},
        ),
        "apology",
        4,
        "Hồ sơ {code}: xin lỗi và hẹn lại ngày trả kết quả",
        [
            "chân thành xin lỗi",
            "Lý do: Chờ xác minh của cơ quan khác",
            "Ngày hẹn trả trước đây: 15:00 20/08/2025",
            "Ngày hẹn trả mới: 10:00 22/08/2025",
        ],
        ["ngay hen tra moi 10:00 22/08/2025", "Ly do: Cho xac minh cua co quan khac"],
    ),
    "refuse": (
        submitted,
        ("tiepnhan", "refuse", FRI_1500, {"reason": "Hồ sơ không thuộc thẩm quyền"}),
        "refusal",
        3,
        "Hồ sơ {code} không được tiếp nhận",
        ["Lý do: Hồ sơ không thuộc thẩm quyền", "Ngày từ chối: 15/08/2025"],
        ["khong duoc tiep nhan. Ly do: Ho so khong thuoc tham quyen"],
    ),
    "stop": (
        processing,
        ("lanhdao", "stop", local(2025, 8, 18, 10), {"reason": "Không đủ điều kiện"}),
        "stop",
        8,
        "Hồ sơ {code}: dừng xử lý",
        ["đã dừng xử lý", "Lý do: Không đủ điều kiện", "Ngày dừng xử lý: 18/08/2025"],
        ["da bi dung xu ly. Ly do: Khong du dieu kien"],
    ),
    "complete": (
        processing,
        ("lanhdao", "complete", local(2025, 8, 18, 15), {"result": {"name": "Giấy khai sinh"}}),
        "result",
        9,
        "Hồ sơ {code} đã có kết quả",
        [
            "Kết quả: Giấy khai sinh",
            "nhận kết quả tại Bộ phận Một cửa – Trung tâm Phục vụ hành chính công tỉnh Nghệ An",
            "Ngày hẹn trả kết quả: 15:00 20/08/2025",
        ],
        ["da co ket qua, moi nhan tai Bo phan Mot cua Trung tam Phuc vu hanh chinh cong tinh Nghe An"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_notifying_action_sends_one_email_and_one_sms_through_the_worker(
    online, counter, perform, mailoutbox, sms_outbox, run_worker, case
):
    before, (user, action, at, given), kind, status, subject, in_email, in_sms = CASES[case]
    d = before(Fixtures(online=online, counter=counter, perform=perform))
    run_worker()  # what came before (a counter receipt) goes first
    del mailoutbox[:], sms_outbox[:]

    d = perform(user, d, action, at, **given)

    assert d.status == status
    assert mailoutbox == [] and sms_outbox == [], "nothing is sent from inside the action"
    notices = notifications_of(d).filter(event_seq=d.version)
    assert [(n.kind, n.channel, n.status, n.recipient) for n in notices] == [
        (kind, "email", Status.PENDING, "h**@example.vn"),
        (kind, "sms", Status.PENDING, "091****678"),
    ]

    run_worker()

    [mail] = mailoutbox
    assert mail.to == ["hoa@example.vn"]
    assert mail.subject == subject.format(code=d.code)
    for words in [*in_email, d.code, "Thủ tục: Đăng ký khai sinh có yếu tố nước ngoài"]:
        assert words in mail.body, words
    link = f"{SITE}/tra-cuu-ho-so/?ma={d.code}"
    assert f"Tra cứu tình trạng hồ sơ: {link}" in mail.body
    [(html, mimetype)] = mail.alternatives
    assert mimetype == "text/html" and f'<a href="{link}"' in html and mail.subject in html
    [text] = sms_outbox
    assert text.to == "0912345678" and text.reference == f"{d.code}:{d.version}:sms"
    assert text.text.isascii() and len(text.text) <= 306
    for words in [*in_sms, d.code, f"Tra cuu: {link}"]:
        assert words in text.text, (words, text.text)
    assert all(n.status == Status.SENT and n.attempts == 1 and n.sent_at for n in notices.all())

    assert run_worker().handled == 0
    assert len(mailoutbox) == len(sms_outbox) == 1


def test_nothing_is_sent_inside_the_request_and_a_second_run_sends_nothing(
    people, procedure, api_as, mailoutbox, sms_outbox, run_worker
):
    reception = api_as(people["tiepnhan"])

    answer = reception.post("/dossiers", submission(channel=1))

    assert answer.status_code == 201
    code = answer.json()["code"]
    assert mailoutbox == [] and sms_outbox == []  # only written: the worker sends
    d = Dossier.objects.get(code=code)
    assert [(n.kind, n.channel, n.status) for n in notifications_of(d)] == [
        ("receipt", "email", Status.PENDING),
        ("receipt", "sms", Status.PENDING),
    ]
    messages = OutboxMessage.objects.filter(topic__startswith="notify.").order_by("topic")
    assert [(m.topic, m.key, m.idempotency_key) for m in messages] == [
        ("notify.email", f"email:{code}", f"{code}:1:email"),
        ("notify.sms", f"sms:{code}", f"{code}:1:sms"),
    ]

    stats = run_worker()

    assert stats.delivered == 2 and len(mailoutbox) == 1 and len(sms_outbox) == 1
    assert "Thời điểm tiếp nhận" in mailoutbox[0].body
    assert run_worker().handled == 0
    assert len(mailoutbox) == 1 and len(sms_outbox) == 1


def test_a_message_delivered_again_does_not_send_again(counter, mailoutbox, sms_outbox, run_worker):
    d = counter(at=FRI_1500)
    run_worker()
    assert len(mailoutbox) == len(sms_outbox) == 1
    # A worker that sent and died before recording: the outbox message comes due again.
    OutboxMessage.objects.filter(topic__startswith="notify.").update(
        status=OutboxMessage.Status.PENDING, next_attempt_at=timezone.now() - timedelta(seconds=1)
    )

    assert run_worker().delivered == 2

    assert len(mailoutbox) == len(sms_outbox) == 1, "recorded as sent: not sent twice"
    assert {n.attempts for n in notifications_of(d)} == {1}


def test_a_failing_sms_is_retried_with_backoff_then_dead_lettered(
    counter, mailoutbox, flaky, run_worker, caplog
):
    flaky.failures = 99
    d = counter(at=FRI_1500)
    clock = Clock(timezone.now())

    with caplog.at_level(logging.INFO, logger="motcua"):
        for attempt in range(1, 4):
            run_worker(max_attempts=3, clock=clock)
            sms = notifications_of(d).get(channel="sms")
            message = OutboxMessage.objects.get(idempotency_key=sms.key)
            assert (sms.attempts, message.attempts) == (attempt, attempt)
            if attempt < 3:
                assert sms.status == Status.FAILED and sms.error == "HTTP 503"
                assert message.next_attempt_at > clock.now, "waits: back-off"
                run_worker(max_attempts=3, clock=clock)  # not due yet: nothing more
                assert notifications_of(d).get(channel="sms").attempts == attempt
                clock.now = message.next_attempt_at

    assert (sms.status, message.status) == (Status.DEAD, OutboxMessage.Status.DEAD)
    assert flaky.calls == 3
    assert notifications_of(d).get(channel="email").status == Status.SENT and len(mailoutbox) == 1
    # The provider's answer quoting the number stays in the outbox row; the logs and the notice do not have it.
    assert "0912345678" in message.last_error
    assert "0912345678" not in caplog.text and "0912345678" not in sms.error
    assert "hoa@example.vn" not in caplog.text
    assert any(r.levelno == logging.ERROR and sms.key in r.getMessage() for r in caplog.records)


def test_a_retried_sms_is_sent_once_the_provider_is_back(counter, flaky, run_worker):
    flaky.failures = 1
    d = counter(at=FRI_1500)

    run_worker()
    sms = notifications_of(d).get(channel="sms")
    assert (sms.status, sms.attempts) == (Status.FAILED, 1)
    due = OutboxMessage.objects.get(idempotency_key=sms.key).next_attempt_at

    run_worker(clock=Clock(due))

    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.error, sms.provider_ref) == (Status.SENT, 2, "", "ok-1")


def test_a_refused_number_is_dead_at_once(counter, flaky, run_worker):
    flaky.permanent = True
    d = counter(at=FRI_1500)

    run_worker()

    sms = notifications_of(d).get(channel="sms")
    assert (sms.status, sms.attempts, sms.error) == (Status.DEAD, 1, "HTTP 400")


def test_an_applicant_without_email_or_phone_gets_nothing_and_it_is_recorded(
    counter, mailoutbox, sms_outbox, run_worker
):
    body = submission()["applicant"] | {"phone": "", "email": ""}
    d = counter(at=FRI_1500, applicant=body)

    assert [(n.channel, n.status, n.recipient) for n in notifications_of(d)] == [
        ("email", Status.SKIPPED, ""),
        ("sms", Status.SKIPPED, ""),
    ]
    assert not OutboxMessage.objects.filter(topic__startswith="notify.").exists()
    run_worker()
    assert mailoutbox == [] and sms_outbox == []


def test_phone_only_gets_the_sms_and_the_email_is_recorded_as_skipped(
    counter, mailoutbox, sms_outbox, run_worker
):
    d = counter(at=FRI_1500, applicant=submission()["applicant"] | {"email": ""})

    run_worker()

    assert [(n.channel, n.status) for n in notifications_of(d)] == [
        ("email", Status.SKIPPED),
        ("sms", Status.SENT),
    ]
    assert mailoutbox == [] and len(sms_outbox) == 1


def test_filed_online_on_someones_behalf_the_filing_account_is_told(
    people, online, perform, mailoutbox, sms_outbox, run_worker
):
    other = {
        "kind": "citizen",
        "name": "Trần Văn Bình",
        "id_number": "001099012345",
        "phone": "0987000111",
        "email": "binh@example.vn",
    }
    d = online(at=local(2025, 8, 14, 20), applicant=other, authorised={"name": "Nguyễn Thị Hoa"})
    assert (d.applicant_name, d.authorised_name, d.applicant_user) == (
        "Trần Văn Bình",
        "Nguyễn Thị Hoa",
        people["congdan"],
    )

    perform("tiepnhan", d, "accept", FRI_1500)
    run_worker()

    [mail] = mailoutbox
    assert mail.to == ["hoa@example.vn"]
    assert "Kính gửi Ông/Bà Nguyễn Thị Hoa,\n(người nộp hồ sơ thay cho Trần Văn Bình)" in mail.body
    assert [s.to for s in sms_outbox] == ["0912345678"]


def test_at_the_counter_the_applicants_own_contact_is_told(counter, mailoutbox, sms_outbox, run_worker):
    applicant = submission()["applicant"] | {"email": "binh@example.vn", "phone": "0987000111"}
    counter(at=FRI_1500, applicant=applicant, authorised={"name": "Trần Văn An", "id_number": "001099012345"})

    run_worker()

    assert [m.to for m in mailoutbox] == [["binh@example.vn"]] and [s.to for s in sms_outbox] == [
        "0987000111"
    ]


def test_actions_that_tell_no_one_write_no_notice(counter, perform, run_worker):
    d = processing(
        Fixtures(counter=counter, perform=perform)
    )  # a counter receipt (told), then an internal hand-over (not told)
    perform("chuyenvien", d, "request_payment", local(2025, 8, 18, 8), amount=150000)

    assert {n.event_seq for n in notifications_of(d)} == {1}


def test_the_worker_batch_costs_a_fixed_number_of_statements_per_notice(
    counter, run_worker, django_assert_max_num_queries
):
    for _ in range(5):
        counter(at=FRI_1500)
    # Per notice: renew the lease, count the attempt, mark it sent, record the outcome (4). Per run: one
    # claim (savepoint, select, lease update, release) and the claim that finds nothing (savepoint, select,
    # release). Nothing grows with the dossiers' size or the table's.
    with django_assert_max_num_queries(4 * 10 + 7):
        assert run_worker().delivered == 10
