"""Benchmark (import limits): the largest household list the limits accept, beside the hostile files they refuse.

Every file is posted to ``POST /api/v1/households/import`` (the Flask test client, as a commune
officer; on PostgreSQL acting as the runtime role, under row-level security) in a fresh process of
its own, which reports the request's time and the peak RSS during the request (Linux's VmHWM, reset
just before it through /proc/self/clear_refs), so that building the files and starting the app are
not counted. The limits are the settings' (by default IMPORT_MAX_ROWS 50,000, IMPORT_MAX_COLUMNS 20,
IMPORT_MAX_UNCOMPRESSED_BYTES 64 MiB, IMPORT_MAX_COMPRESSION_RATIO 100); ``--rows N`` runs with
IMPORT_MAX_ROWS=N, to see what another row limit would cost.

Accepted, and timed against gunicorn's worker timeout (N being the row limit):
- ``largest list``: N people in N/4 households, the 14 columns (bench/households_import.py's
  generator), imported for real: every row checked, written, committed.
- ``widest list``: N rows with all 20 columns filled, the 6 beyond the list's own being notes
  columns: a dry run, checked to the last row (the notes columns are reported as errors).

Refused (tests/hostile_files.py): the probe's four files (a 1 GiB zip bomb of 1.5 MB, 1,000,000 rows,
a CSV of 100,000 columns, a sheet that is not XML), and a CSV of N + 1 rows.

    .venv/bin/python bench/import_limits.py --database-url "$(scripts/postgres-ready | tail -1)"
    .venv/bin/python bench/import_limits.py            # SQLite + SpatiaLite
    .venv/bin/python bench/import_limits.py --rows 100000
"""
from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import drop_database, fresh_database, make_app, serving_app
from bench.households_import import COMMUNE, HEADER, generate, prepare

PHONE, PASSWORD = "+84912999001", "import-bench-password"


def widest(path: Path, rows: int, columns: int = 20) -> None:
    from openpyxl import Workbook

    notes = [f"Ghi chú {n}" for n in range(1, columns - len(HEADER) + 1)]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh sách hộ")
    sheet.append(HEADER + notes)
    for n in range(rows):
        sheet.append([f"HS{n // 4:05d}", f"Xóm {n // 4 % 12 + 1}", f"Xóm {n // 4 % 12 + 1}, nhà số {n // 4}", 19.1222,
                      105.563, "x" if n % 20 == 0 else None, None, None, f"Người thứ {n}", 1950 + n % 70,
                      "Nam" if n % 2 else "Nữ", None, "x" if n % 4 == 0 else None, None]
                     + [f"ghi chú {n}-{k}" for k in range(len(notes))])
    workbook.save(path)


def files(directory: Path, rows: int) -> list[tuple[str, Path, bool]]:
    """(label, file, real import) for each case, written to ``directory``."""
    from tests import hostile_files as hostile

    cases = []
    path = directory / "danh-sach.xlsx"
    generate(path, rows // 4, 4)
    cases.append((f"largest list: {rows:,} rows, imported", path, True))
    path = directory / "danh-sach-rong.xlsx"
    widest(path, rows)
    cases.append((f"widest list: {rows:,} rows x 20 columns, dry run", path, False))
    for label, name, data in (
            ("zip bomb: inflates to 1 GiB", "bom.xlsx", hostile.bomb()),
            ("1,000,000 empty rows", "trieu-dong.xlsx", hostile.million_rows()),
            ("CSV of 100,000 columns", "rong.csv", hostile.wide_csv()),
            (f"CSV of {rows + 1:,} rows", "dai.csv", ("Mã hộ,Thôn/xóm,Địa chỉ,Họ và tên\r\n"
                                                     + "H1,Xóm 1,Nhà 1,Lê Văn A\r\n" * (rows + 1)).encode()),
            ("sheet that is not XML", "hong.xlsx", hostile.broken_sheet())):
        path = directory / name
        path.write_bytes(data)
        cases.append((label, path, False))
    return cases


def officer(database_url: str) -> None:
    from fieldapp.extensions import db
    from fieldapp.services.users import user_create

    app = make_app(database_url)
    with app.app_context():
        user_create(phone=PHONE, full_name="Cán bộ xã", role="commune_officer", unit_code=COMMUNE,
                    password=PASSWORD, granter=None)
        db.session.commit()
        db.engine.dispose()


def child(database_url: str, path: Path, real: bool) -> None:
    """One request, in a process of its own; prints one JSON line."""
    app = serving_app(make_app(database_url))
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"phone": PHONE, "password": PASSWORD}).get_json()["access_token"]
    data = path.read_bytes()
    Path("/proc/self/clear_refs").write_text("5")  # the peak RSS starts again from the current RSS
    before = _status_mb("VmRSS")
    started = time.perf_counter()
    response = client.post(f"/api/v1/households/import?dry_run={'false' if real else 'true'}",
                           headers={"Authorization": f"Bearer {token}"},
                           data={"file": (io.BytesIO(data), path.name)}, content_type="multipart/form-data")
    elapsed = time.perf_counter() - started
    body = response.get_json()
    if response.status_code == 200:
        answer = f"200 ok={body['ok']} persons={body['persons']} errors={len(body['errors'])}"
        if body["errors"] and not body["ok"] and body["persons"] == 0:
            answer += f" ({body['errors'][0]['reason'][:40]})"
    else:
        answer = f"{response.status_code} {body['error_code']}"
    inflated = None
    if data.startswith(b"PK\x03\x04"):
        import zipfile

        inflated = sum(part.file_size for part in zipfile.ZipFile(io.BytesIO(data)).infolist())
    print(json.dumps({"seconds": elapsed, "answer": answer, "bytes": len(data), "inflated": inflated,
                      "peak_mb": _status_mb("VmHWM"), "before_mb": before}))


def _status_mb(field: str) -> float:
    line = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith(field + ":"))
    return int(line.split()[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (?template= allowed); default SQLite")
    parser.add_argument("--rows", type=int, default=None,
                        help="IMPORT_MAX_ROWS for this run, and the size of the two lists (default: the setting's)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--file", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--real", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.database_url, Path(args.file), args.real)
        return
    if args.rows:
        os.environ["IMPORT_MAX_ROWS"] = str(args.rows)  # the children's app reads it
    from fieldapp.config import load_config

    rows = load_config()["IMPORT_MAX_ROWS"]
    url = fresh_database(args.database_url)
    directory = Path(tempfile.mkdtemp(prefix="fieldapp-bench-"))
    try:
        prepare(url)
        officer(url)
        started = time.perf_counter()
        cases = files(directory, rows)
        print(f"files written in {time.perf_counter() - started:.1f} s")
        from fieldapp.services.imports.limits import Limits, xlsx_bounded

        largest = cases[0][1].read_bytes()
        started = time.perf_counter()
        xlsx_bounded(largest, Limits.from_config(load_config()))
        print(f"bounding the largest list alone (zip directory, every XML part through expat): "
              f"{time.perf_counter() - started:.2f} s")
        print("each file posted in a fresh process:")
        print("| file | size | answer | seconds | peak RSS during the request (RSS before it) |")
        print("|---|---|---|---|---|")
        for label, path, real in cases:
            command = [sys.executable, __file__, "--child", "--database-url", url, "--file", str(path)]
            output = subprocess.run(command + (["--real"] if real else []), check=True, capture_output=True,
                                    text=True).stdout
            result = json.loads(output.strip().splitlines()[-1])
            size = f"{result['bytes'] / 1e6:.1f} MB"
            if result["inflated"]:
                size += f" ({result['inflated'] / 2**20:,.0f} MiB inflated)"
            print(f"| {label} | {size} | {result['answer']} | {result['seconds']:.2f} | "
                  f"{result['peak_mb']:.0f} MB ({result['before_mb']:.0f} MB) |", flush=True)
    finally:
        for path in directory.iterdir():
            path.unlink()
        directory.rmdir()
        drop_database(url)


if __name__ == "__main__":
    main()
