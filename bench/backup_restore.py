"""Nightly backup + verification, drill and (optionally) a full restore on the volume data.

Usage (after seed_demo and the volume loaders):
    eval "$(bash scripts/dev.sh env)"; .venv/bin/python bench/backup_restore.py [--full-restore]

Uses BACKUP_DIR, BACKUP_AGE_RECIPIENTS and BACKUP_IDENTITY_FILE from var/.env. The full
restore swaps the development database for the restored copy and then drops the old one.
"""

import argparse
import time
from pathlib import Path

from _common import setup_django


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--full-restore", action="store_true")
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.db import connection

    from backups import engine
    from backups.models import Generation
    from backups.restore import drill_run, restore_run
    from backups.services import backup_create, generation_check

    with connection.cursor() as cur:
        cur.execute("SELECT pg_database_size(current_database())")
        db_size = cur.fetchone()[0]
    identity = Path(settings.BACKUP_IDENTITY_FILE)

    t = time.monotonic()
    run = backup_create(kind=Generation.Kind.MANUAL, requested_by="bench", force_window=True)
    backup_s = time.monotonic() - t
    assert run.status == "succeeded", run.error
    gen = run.generation
    rows = sum(v["rows"] for v in gen.tables.values())

    t = time.monotonic()
    problems = generation_check(gen, identity=identity)
    verify_s = time.monotonic() - t
    assert not problems, problems

    t = time.monotonic()
    drill = drill_run(identity_path=str(identity), generation=gen)
    drill_s = time.monotonic() - t
    assert drill.status == "passed", (drill.error, drill.mismatches)

    print(f"database {db_size / 1024**2:,.0f} MB, {len(gen.tables)} tables, {rows:,} rows")
    print(
        f"backup (dump + stream verify + stats + encrypt + fsync): {backup_s:.1f} s; "
        f"dump {gen.db_bytes / 1024**2:,.1f} MB, media {gen.media_files} files "
        f"{gen.media_bytes / 1024**2:,.1f} MB"
    )
    print(f"full verification with the key (decrypt + pg_restore -f /dev/null): {verify_s:.1f} s")
    print(f"nightly total (backup + full verification): {backup_s + verify_s:.1f} s")
    print(
        f"drill: restore {drill.restore_seconds:.1f} s, whole drill incl. comparison {drill_s:.1f} s"
    )
    if args.full_restore:
        t = time.monotonic()
        restore = restore_run(
            generation=gen, actor="bench", reason="benchmark", identity_path=str(identity)
        )
        restore_s = time.monotonic() - t
        assert restore.status == "succeeded", restore.error
        print(f"full restore incl. pre-restore backup and swap: {restore_s:.1f} s")
        sd = engine.db_settings()
        with engine.connect(sd, engine.maintenance_db(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{restore.previous_database}"')


if __name__ == "__main__":
    main()
