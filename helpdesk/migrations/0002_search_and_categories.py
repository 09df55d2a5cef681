"""Trigram indexes for Japanese partial search, and the default inquiry categories."""

from django.db import migrations

SQL = """
CREATE INDEX IF NOT EXISTS helpdesk_inquiry_search_trgm ON helpdesk_inquiry USING gin (search_text gin_trgm_ops);
CREATE INDEX IF NOT EXISTS helpdesk_slip_search_trgm ON helpdesk_liaisonslip USING gin (search_text gin_trgm_ops);
CREATE INDEX IF NOT EXISTS helpdesk_faq_search_trgm ON helpdesk_faq USING gin (search_text gin_trgm_ops);
"""
REVERSE = """
DROP INDEX IF EXISTS helpdesk_inquiry_search_trgm;
DROP INDEX IF EXISTS helpdesk_slip_search_trgm;
DROP INDEX IF EXISTS helpdesk_faq_search_trgm;
"""
CATEGORIES = [
    "操作方法",
    "ログイン・権限",
    "帳票・印刷",
    "データ修正依頼",
    "障害・不具合",
    "統計・抽出",
    "その他",
]


def categories(apps, schema_editor):
    Category = apps.get_model("helpdesk", "Category")
    for i, name in enumerate(CATEGORIES):
        Category.objects.get_or_create(name=name, defaults={"order": i})


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0001_initial")]

    operations = [
        migrations.RunSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", migrations.RunSQL.noop),
        migrations.RunSQL(SQL, REVERSE),
        migrations.RunPython(categories, migrations.RunPython.noop),
    ]
