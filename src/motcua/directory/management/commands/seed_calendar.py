"""motcua seed_calendar [--years 2025 2026 2027]: statutory holidays and swap days into the calendar table."""

from __future__ import annotations

from datetime import date

from motcua.core.management.base import MotcuaCommand, UsageError
from motcua.directory.calendars import seed_calendar

MIN_YEAR, MAX_YEAR = 1995, 2100  # observed-day rules start in 1995; far future years are guesses anyway


class Command(MotcuaCommand):
    help = (
        "Nạp ngày nghỉ lễ, tết theo Bộ luật Lao động 2019 (Điều 112) và ngày làm bù vào lịch làm việc. "
        "Không ghi đè các ngày quản trị viên đã tạo hoặc sửa. Mặc định: năm trước đến 2 năm sau."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--years", nargs="+", metavar="YEAR", help="các năm cần nạp, ví dụ: 2025 2026 2027"
        )

    def handle(self, *args, years=None, **opts):
        if years is None:
            this = date.today().year
            year_list = list(range(this - 1, this + 3))
        else:
            year_list = []
            for raw in years:
                try:
                    year = int(raw)
                except ValueError:
                    raise UsageError(f"năm không hợp lệ: {raw!r}") from None
                if not MIN_YEAR <= year <= MAX_YEAR:
                    raise UsageError(f"năm {year} nằm ngoài khoảng {MIN_YEAR}-{MAX_YEAR}")
                year_list.append(year)
        changed = seed_calendar(year_list)
        span = ", ".join(str(y) for y in sorted(set(year_list)))
        self.stdout.write(
            f"Đã nạp lịch nghỉ lễ, làm bù các năm {span}: {changed} ngày được thêm hoặc cập nhật."
        )
