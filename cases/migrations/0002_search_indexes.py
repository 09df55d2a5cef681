"""Trigram indexes for partial name search at 200,000 children."""

from django.db import migrations

SQL = """
CREATE INDEX IF NOT EXISTS cases_person_search_name_trgm ON cases_person USING gin (search_name gin_trgm_ops);
CREATE INDEX IF NOT EXISTS cases_person_search_kana_trgm ON cases_person USING gin (search_kana gin_trgm_ops);
"""
REVERSE = """
DROP INDEX IF EXISTS cases_person_search_name_trgm;
DROP INDEX IF EXISTS cases_person_search_kana_trgm;
"""


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [
        # Never dropped on reverse: other apps' indexes use it too.
        migrations.RunSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", migrations.RunSQL.noop),
        migrations.RunSQL(SQL, REVERSE),
    ]
