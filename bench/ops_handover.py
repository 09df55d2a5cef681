"""Handover export (Kobe 6.1) of a whole database: time, archive size, peak RSS.

Target: the 20-year case volume (cases' seed_volume) in < 10 min with < 300 MB RSS.

Never against the shared development database: point DATABASE_URL at a database of your
own, load the volume there, then run this script, e.g.

    eval "$(bash scripts/dev.sh env)"
    export DATABASE_URL="${DATABASE_URL%/*}/childcase_bench"
    createdb … childcase_bench && .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo && .venv/bin/python manage.py seed_volume
    .venv/bin/python bench/ops_handover.py [--encoding cp932] [--out DIR] [--keep]
        [--verify-into postgres://…/childcase_bench_target]

It calls the job's own export (one REPEATABLE READ snapshot, server-side cursors, a streamed
zip) without creating a HandoverExport row, so the source is only read. --verify-into loads
the archive into another (empty) database with import_handover's code and compares every
table's row count and SHA-256 (that part is not in the 10-minute target).
"""

import argparse
import resource
import tempfile
import threading
import time
from pathlib import Path

import psutil
from _common import setup_django


class RssSampler(threading.Thread):
    """Peak RSS of this process, sampled every 50 ms (ru_maxrss also counts Django's setup)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.proc = psutil.Process()
        self.peak = 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.05)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--encoding", default="utf-8-sig", choices=["utf-8-sig", "cp932"])
    parser.add_argument("--out", type=Path, default=None, help="archive directory (default: tmp)")
    parser.add_argument("--keep", action="store_true", help="keep the archive")
    parser.add_argument("--verify-into", default="", help="DATABASE_URL of an empty database")
    parser.add_argument(
        "--archive", type=Path, default=None, help="skip the export: load this archive"
    )
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from ops.services import handover_archive as archive

    with connection.cursor() as cur:
        cur.execute("SELECT current_database(), pg_database_size(current_database())")
        name, db_size = cur.fetchone()
    connection.close()
    out_dir = args.out or Path(tempfile.mkdtemp(prefix="handover-bench-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    dest = out_dir / f"handover-bench-{name}.zip"
    last = {"t": time.monotonic()}

    def progress(table, done, total):
        if time.monotonic() - last["t"] > 10:
            last["t"] = time.monotonic()
            print(f"  … {done:,} / ~{total:,} rows ({table})", flush=True)

    if args.archive:
        verify_into(archive, args.archive, args.verify_into)
        return
    sampler = RssSampler()
    sampler.start()
    rss_before = sampler.proc.memory_info().rss
    started = time.monotonic()
    with archive.raw_connection() as conn:
        result = archive.export_archive(conn, dest=dest, encoding=args.encoding, progress=progress)
    export_s = time.monotonic() - started
    digest = archive.file_sha256(dest)
    total_s = time.monotonic() - started
    sampler.stop.set()
    sampler.join()
    size = dest.stat().st_size
    biggest = sorted(result.manifest["tables"], key=lambda t: -t["bytes"])[:5]

    print(f"database {name}: {db_size / 1024**2:,.0f} MB")
    print(
        f"export ({args.encoding}): {result.tables} tables, {result.rows:,} rows, "
        f"{result.files:,} files ({result.files_bytes / 1024**2:,.1f} MB) in {export_s:,.1f} s "
        f"({result.rows / max(export_s, 0.001):,.0f} rows/s); with the archive's SHA-256 "
        f"{total_s:,.1f} s"
    )
    csv_bytes = sum(t["bytes"] for t in result.manifest["tables"])
    print(
        f"archive {size / 1024**2:,.1f} MB (CSV {csv_bytes / 1024**2:,.1f} MB before "
        f"compression), sha256 {digest[:16]}…"
    )
    print(
        f"peak RSS {sampler.peak / 1024**2:,.0f} MB (before the export {rss_before / 1024**2:,.0f}"
        f" MB; ru_maxrss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB)"
    )
    print("largest tables: " + ", ".join(f"{t['table']} {t['rows']:,}" for t in biggest))
    verdict = "met" if export_s < 600 and sampler.peak < 300 * 1024**2 else "MISSED"
    print(f"target < 600 s and < 300 MB: {verdict}")

    if args.verify_into:
        verify_into(archive, dest, args.verify_into)
    if not args.keep:
        dest.unlink()


def verify_into(archive, path: Path, url: str) -> None:
    started = time.monotonic()
    archive.migrate_database(url)
    migrated = time.monotonic()
    target = archive.settings_for_url(url)
    with archive.raw_connection(target, alias="handover_target") as conn:
        loaded = archive.import_archive(conn, path)
    print(
        f"migrate {migrated - started:,.1f} s; import + verify: {loaded.rows:,} rows in "
        f"{time.monotonic() - migrated:,.1f} s, {len(loaded.mismatches)} mismatching tables"
    )
    for mismatch in loaded.mismatches:
        print(f"  {mismatch}")


if __name__ == "__main__":
    main()
