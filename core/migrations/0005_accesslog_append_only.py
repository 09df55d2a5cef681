"""Row changes to the read log are refused by the database itself.

TRUNCATE stays possible for the test runner; in production the application's
database role has no TRUNCATE privilege (docs/deploy.md).
"""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION core_accesslog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'core_accesslog is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_accesslog_no_update BEFORE UPDATE OR DELETE ON core_accesslog
    FOR EACH ROW EXECUTE FUNCTION core_accesslog_append_only();
"""
REVERSE = """
DROP TRIGGER IF EXISTS core_accesslog_no_update ON core_accesslog;
DROP FUNCTION IF EXISTS core_accesslog_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0004_notification_accesslog")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
