"""Benchmark (household import): 10,000 households with 40,000 people from XLSX, under 60 s and 500 MB.

A fresh database gets the units and 12 villages of Xã Hùng Châu; an XLSX list is generated (openpyxl
write-only mode) with 10,000 households of 4 people each: Vietnamese names, unique per village and
birth year (so the duplicate check runs and finds nothing), points within ~3 km of the commune's
centroid, a phone for most adults (some typed as numbers, as Excel keeps them), a few priority flags.

The import then runs in a fresh process, as ``fieldapp households import`` does it: every row checked
(including the duplicate check against the database), all rows written in bulk, one activity entry,
one durable commit. That process reports its own peak RSS (``ru_maxrss``), so file generation is not
counted.

    .venv/bin/python bench/households_import.py --database-url "$(scripts/postgres-ready | tail -1)"
    .venv/bin/python bench/households_import.py            # SQLite + SpatiaLite
"""
from __future__ import annotations

import argparse
import math
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import drop_database, fresh_database, make_app

COMMUNE = "17395"  # Xã Hùng Châu, Nghệ An
CENTROID = (19.1222, 105.563)
RADIUS_KM = 3.0
VILLAGES = [f"Xóm {n}" for n in range(1, 13)]
HEADER = ["Mã hộ", "Thôn/xóm", "Địa chỉ", "Vĩ độ", "Kinh độ", "Hộ nghèo", "Dân tộc thiểu số", "Vùng sâu vùng xa",
          "Họ và tên", "Năm sinh", "Giới tính", "Số điện thoại", "Chủ hộ", "Khuyết tật"]
#: Mobile network prefixes in use (without the leading 0): Viettel, VinaPhone, MobiFone, Vietnamobile.
MOBILE_PREFIXES = ["32", "33", "34", "35", "36", "37", "38", "39", "86", "96", "97", "98", "81", "82", "83", "84",
                   "85", "88", "91", "94", "70", "76", "77", "78", "79", "90", "93", "56", "58", "92"]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương",
            "Lý", "Hà", "Lương", "Đinh", "Cao", "Thái"]
MALE_MIDDLE = ["Văn", "Đức", "Hữu", "Quang", "Minh", "Công", "Đình", "Xuân", "Thanh", "Trọng"]
FEMALE_MIDDLE = ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Hồng", "Thanh", "Minh", "Kim", "Phương"]
MALE_GIVEN = ["An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hùng", "Hưng", "Khánh", "Long", "Nam", "Phúc", "Quân",
              "Sơn", "Tài", "Thắng", "Tuấn", "Việt", "Vinh", "Hoàng", "Thành", "Trung", "Kiên", "Lâm", "Toàn"]
FEMALE_GIVEN = ["Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga", "Ngân",
                "Nhung", "Oanh", "Phương", "Quyên", "Thảo", "Trang", "Tuyết", "Vân", "Xuân", "Yến", "Hằng", "Loan"]


def generate(path: Path, households: int, per_household: int, seed: int = 20261123) -> int:
    """Write the XLSX; return the number of people rows."""
    from openpyxl import Workbook

    from fieldapp.text import fold

    rng = random.Random(seed)
    taken: set[tuple[str, str, int]] = set()  # (village, folded name, year): no duplicates in the file

    def person(village: str, surname: str | None, male: bool, years: tuple[int, int]) -> tuple[str, int]:
        while True:
            middle = rng.choice(MALE_MIDDLE if male else FEMALE_MIDDLE)
            given = rng.choice(MALE_GIVEN if male else FEMALE_GIVEN)
            name = f"{surname or rng.choice(SURNAMES)} {middle} {given}"
            year = rng.randint(*years)
            key = (village, fold(name), year)
            if key not in taken:
                taken.add(key)
                return name, year

    def phone():
        if rng.random() < 0.35:
            return None
        number = f"{rng.choice(MOBILE_PREFIXES)}{rng.randint(0, 9_999_999):07d}"
        return int(number) if rng.random() < 0.5 else "0" + number  # as a number, Excel drops the 0

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh sách hộ")
    sheet.append(HEADER)
    rows = 0
    for number in range(1, households + 1):
        village = rng.choice(VILLAGES)
        distance = RADIUS_KM * math.sqrt(rng.random()) / 111.32
        bearing = rng.uniform(0, 2 * math.pi)
        lat = round(CENTROID[0] + distance * math.cos(bearing), 6)
        lon = round(CENTROID[1] + distance * math.sin(bearing) / math.cos(math.radians(CENTROID[0])), 6)
        flags = ["x" if rng.random() < p else None for p in (0.05, 0.10, 0.08)]
        household = [f"HS{number:05d}", village, f"{village}, nhà số {number}", lat, lon, *flags]
        surname = rng.choice(SURNAMES)
        head_male = rng.random() < 0.8
        members = [(person(village, surname, head_male, (1950, 1990)), head_male, True, phone()),
                   (person(village, None, not head_male, (1950, 1992)), not head_male, False, phone())]
        for _ in range(per_household - 2):
            male = rng.random() < 0.5
            members.append((person(village, surname, male, (1995, 2022)), male, False, None))
        for (name, year), male, head, mobile in members:
            sheet.append([*household, name, year, "Nam" if male else "Nữ", mobile, "x" if head else None,
                          "x" if rng.random() < 0.02 else None])
            rows += 1
    workbook.save(path)
    return rows


def prepare(database_url: str) -> None:
    """Units and villages, committed."""
    from fieldapp.extensions import db
    from fieldapp.services.units import units_import
    from fieldapp.services.villages import village_create

    app = make_app(database_url)
    with app.app_context():
        units_import()
        for name in VILLAGES:
            village_create(commune_code=COMMUNE, name=name, kind="xóm", caller=None)
        db.session.commit()
        db.engine.dispose()


def child(database_url: str, path: Path, expected_rows: int) -> None:
    """The import itself, in a process of its own, so that its peak RSS is its own."""
    from sqlalchemy import func, select

    from fieldapp.extensions import db
    from fieldapp.models import Household, Person
    from fieldapp.services.imports import households_import

    app = make_app(database_url)
    with app.app_context():
        before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        checked_at = None

        def progress(done, total):
            nonlocal checked_at
            if checked_at is None and done == total == expected_rows:
                checked_at = time.perf_counter()

        started = time.perf_counter()
        with path.open("rb") as stream:
            report = households_import(caller=None, commune_code=COMMUNE, filename=path.name, stream=stream,
                                       dry_run=False, progress=progress)
        assert report.ok, report.errors[:20]
        db.session.commit()
        finished = time.perf_counter()
        elapsed = finished - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        households = db.session.scalar(select(func.count()).select_from(Household))
        persons = db.session.scalar(select(func.count()).select_from(Person))
        assert (households, persons) == (report.households, report.persons) and persons == expected_rows
        print(f"  rows: {persons:,} people in {households:,} households")
        print(f"  seconds: {elapsed:.1f} (checking {checked_at - started:.1f}, "
              f"writing and commit {finished - checked_at:.1f})")
        print(f"  rows/s: {persons / elapsed:,.0f}")
        print(f"  peak RSS: {peak_mb:.0f} MB (the process had {before_mb:.0f} MB before the import)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (?template= allowed); default SQLite")
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--per-household", type=int, default=4)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--file", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.database_url, Path(args.file), args.rows)
        return
    url = fresh_database(args.database_url)
    try:
        prepare(url)
        path = Path(tempfile.mkdtemp(prefix="fieldapp-bench-")) / "danh-sach-ho.xlsx"
        try:
            started = time.perf_counter()
            rows = generate(path, args.households, args.per_household)
            print(f"generated {path.name}: {args.households:,} households, {rows:,} people, "
                  f"{path.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s")
            print("import (fresh process):", flush=True)
            subprocess.run([sys.executable, __file__, "--child", "--database-url", url, "--file", str(path),
                            "--rows", str(rows)], check=True)
        finally:
            path.unlink(missing_ok=True)
            path.parent.rmdir()
    finally:
        drop_database(url)


if __name__ == "__main__":
    main()
