from django.db import migrations

from core.request_log import ensure_partitions

CREATE = """
CREATE TABLE core_requestlog (
    id uuid NOT NULL,
    requested_at timestamptz NOT NULL,
    user_id bigint NULL,
    view_name varchar(200) NOT NULL,
    method varchar(10) NOT NULL,
    status smallint NOT NULL,
    duration_us integer NOT NULL,
    PRIMARY KEY (id, requested_at)
) PARTITION BY RANGE (requested_at);
CREATE TABLE core_requestlog_default PARTITION OF core_requestlog DEFAULT;
CREATE INDEX core_requestlog_at_brin ON core_requestlog USING brin (requested_at);
CREATE INDEX core_requestlog_view_at ON core_requestlog (view_name, requested_at);
"""


def create_partitions(apps, schema_editor):
    ensure_partitions()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunSQL(CREATE, reverse_sql="DROP TABLE core_requestlog CASCADE;"),
        migrations.RunPython(create_partitions, migrations.RunPython.noop),
    ]
