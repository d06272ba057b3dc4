"""Payment confirmations (contract §8, ADR 0028) against a plain lifecycle action on the same database.

Measured per round, interleaved:

* confirmation: `payments.services.receive` of a signed platform confirmation, as the callback view runs it:
  the MaXacThuc check, the attempt's lookup, the dossier's and the attempt's row locks, the `pay_online`
  action (event, outbox message, portal message), the payment with its receipt number, the notice row;
* replay: the same confirmation again (the platform repeats deliveries): checked, logged, nothing recorded;
* floor: `perform(accept)` by the reception officer on a dossier of the same shape: one lifecycle action,
  the least a recorded payment can cost, since it is one.

Figures: confirmations/s, and the ratio to the floor (median of per-round ratios with quartiles). Capacity
against the national peak (domain.md §8: ~400,000 dossiers a working day nationally, peak ×3; about 40 % pay
online, seeds): one province's peak is far below, and the ratio says what a payment adds to an action.
"""

from __future__ import annotations

import hashlib
import os
import statistics
from datetime import datetime, timedelta

from benchmarks.bench_intake import BODY, _paired, build, moment
from benchmarks.common import setup_django

N = int(os.environ.get("BENCH_PAYMENTS_N", "40"))
ROUNDS = int(os.environ.get("BENCH_PAYMENTS_ROUNDS", "9"))
SECRET, PARTNER = "bench-secret", "MOTCUA-BENCH"
FIELDS = (
    "LoaiBanTin|MaLoi|MaDoiTac|MaThamChieu|SoTien|MaTienTe|MaGiaoDich|MaNganHang|ThoiGianGD|ThongTinGiaoDich"
)


def confirmation(reference: str, amount: int) -> dict:
    body = {
        "LoaiBanTin": "PAY",
        "MaLoi": "00",
        "MaDoiTac": PARTNER,
        "MaThamChieu": reference,
        "SoTien": str(amount),
        "MaTienTe": "VND",
        "MaGiaoDich": f"GD{reference}",
        "MaNganHang": "VCB",
        "ThoiGianGD": "20260302080000",
        "ThongTinGiaoDich": "Nop phi",
    }
    text = "|".join(body[f] for f in FIELDS.split("|")) + "|" + SECRET
    return {**body, "MaXacThuc": hashlib.sha256(text.encode()).hexdigest()}


def main() -> int:
    label = setup_django()
    import time

    from django.conf import settings

    from motcua.core.formatting import LOCAL_TZ
    from motcua.directory.models import Agency
    from motcua.dossiers import services as dossiers
    from motcua.payments import gateways, services
    from motcua.payments.models import PaymentAttempt, PaymentRequest, ReceivingAccount

    settings.PAYMENT_URL, settings.PAYMENT_PARTNER, settings.PAYMENT_SECRET = (
        "http://127.0.0.1:9",
        PARTNER,
        SECRET,
    )
    gateways.reset()
    citizen, officer, _centre = build()
    ReceivingAccount.objects.create(
        agency=Agency.objects.get(identifier="000.00.15.H40"),
        bank_bin="970436",
        bank_name="Vietcombank",
        account_number="0101000001001",
        account_name="SO TU PHAP",
        receipt_series="AA-26E",
    )
    base = datetime(2026, 3, 2, 7, 0, tzinfo=LOCAL_TZ)
    total = (ROUNDS + 1) * N
    print(f"  building {2 * total} online dossiers owing their fee ...", flush=True)
    owing, plain = [], []
    for i in range(total):
        d = dossiers.submit_dossier(citizen, BODY, at=moment(2 * i, base))
        request = PaymentRequest.objects.get(dossier=d)
        a = PaymentAttempt.objects.create(
            request=request,
            gateway="dvcqg",
            reference=f"MCB{i:09d}",
            amount=request.amount,
            started_at=moment(2 * i, base),
            init_time="20260302070000",
            description="Nop phi",
        )
        owing.append(confirmation(a.reference, a.amount))
        plain.append(dossiers.submit_dossier(citizen, BODY, at=moment(2 * i + 1, base)).code)
    at = base + timedelta(days=30)

    queue = {"pay": iter(owing), "replay": iter(owing), "accept": iter(plain)}
    # Warm-up round: the first N of each.
    for _ in range(N):
        body = next(queue["pay"])
        assert services.receive(body, at=at).outcome == "accepted"
        assert services.receive(body, at=at).outcome == "duplicate"
        dossiers.perform(officer, next(queue["accept"]), "accept", at=at)
    replays = iter(owing[N:])
    rates: dict[str, list[float]] = {"confirmation": [], "replay": [], "accept": []}
    for _ in range(ROUNDS):
        bodies = [next(queue["pay"]) for _ in range(N)]
        t0 = time.perf_counter()
        for body in bodies:
            services.receive(body, at=at)
        rates["confirmation"].append(N / (time.perf_counter() - t0))
        again = [next(replays) for _ in range(N)]
        t0 = time.perf_counter()
        for body in again:
            services.receive(body, at=at)
        rates["replay"].append(N / (time.perf_counter() - t0))
        codes = [next(queue["accept"]) for _ in range(N)]
        t0 = time.perf_counter()
        for code in codes:
            dossiers.perform(officer, code, "accept", at=at)
        rates["accept"].append(N / (time.perf_counter() - t0))

    paid = PaymentAttempt.objects.filter(state="paid").count()
    assert paid == total, (paid, total)
    print(f"  [{label}] {ROUNDS} rounds of {N}; every confirmation recorded once ({paid} payments)")
    for name, values in rates.items():
        print(f"  {name:<14} {statistics.median(values):8.1f} /s (median of rounds)")
    ratio, q1, q3 = _paired(rates["confirmation"], rates["accept"])
    print(f"  confirmation / accept (floor): {ratio:.2f} (quartiles {q1:.2f}–{q3:.2f})")
    ratio, q1, q3 = _paired(rates["replay"], rates["accept"])
    print(f"  replay / accept (floor):       {ratio:.2f} (quartiles {q1:.2f}–{q3:.2f})")
    # National peak: 400,000 dossiers a working day (8 h) × 3, 40 % paying online, all on one node.
    peak = 400_000 * 3 * 0.40 / (8 * 3600)
    per_second = statistics.median(rates["confirmation"])
    print(
        f"  national online-payment peak ≈ {peak:.1f} confirmations/s: one process covers {per_second / peak:.1f}×"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
