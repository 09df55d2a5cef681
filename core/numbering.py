"""Per-fiscal-year serial numbers (年度-連番) for any model with fiscal_year and sequence."""

from django.db import connection


def lock_fiscal_year(cursor, model, fiscal_year: int) -> None:
    """Take the numbering lock of ``model`` for a fiscal year (released at commit).

    Bulk loaders take it too, so they never hand out a number the app is issuing."""
    cursor.execute(
        "SELECT pg_advisory_xact_lock(hashtext(%s), %s)", [model._meta.db_table, fiscal_year]
    )


def next_sequence(model, fiscal_year: int) -> int:
    """The next free sequence of ``model`` in a fiscal year.

    Call inside the transaction that inserts the row: an advisory lock keyed by
    the table and year serialises concurrent callers until that commit.
    """
    with connection.cursor() as cur:
        cur.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s), %s)", [model._meta.db_table, fiscal_year]
        )
    last = (
        model.objects.filter(fiscal_year=fiscal_year)
        .order_by("-sequence")
        .values_list("sequence", flat=True)
        .first()
    )
    return (last or 0) + 1
