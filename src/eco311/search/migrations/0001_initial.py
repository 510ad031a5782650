"""The search index table, then its vendor-specific full-text part (search/models.py).

SQLite: an FTS5 table with external content (the entry table), tokenised by unicode61 over the
space-separated bigram tokens, kept in step by three triggers. Beware: when a later migration
alters search_searchentry on SQLite, Django rebuilds the table and the triggers are dropped with
the old one; such a migration must create them again (TRIGGERS below) and rebuild the FTS table.

PostgreSQL: a generated ``tsv`` column the ORM does not know, the tokens with their positions
(title weight A, body weight B), indexed with GIN. No extension is needed.
"""

import django.db.models.deletion
from django.db import migrations, models

FTS = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(title_tokens, body_tokens, "
    "content='search_searchentry', content_rowid='id', tokenize='unicode61 remove_diacritics 0')"
)
_OLD = "INSERT INTO search_fts(search_fts, rowid, title_tokens, body_tokens) VALUES ('delete', old.id, old.title_tokens, old.body_tokens);"
_NEW = "INSERT INTO search_fts(rowid, title_tokens, body_tokens) VALUES (new.id, new.title_tokens, new.body_tokens);"
TRIGGERS = [
    f"CREATE TRIGGER search_fts_ai AFTER INSERT ON search_searchentry BEGIN {_NEW} END",
    f"CREATE TRIGGER search_fts_ad AFTER DELETE ON search_searchentry BEGIN {_OLD} END",
    f"CREATE TRIGGER search_fts_au AFTER UPDATE ON search_searchentry BEGIN {_OLD} {_NEW} END",
]

# A generated column of built-in, immutable functions only: nothing else to dump, restore or
# drop (core/backup.py restores by dropping the tables). The tokens are letters and digits
# separated by spaces, which the default parser returns as they are, in order, whatever the
# locale (in the C locale it takes every non-ASCII character for a letter); "simple" only lower-
# cases them, and they are lower case already. "brk" first in the body: a phrase never runs on
# from the end of the title.
PG_COLUMN = (
    "ALTER TABLE search_searchentry ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, title_tokens), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, 'brk ' || body_tokens), 'B')) STORED"
)

SQL = {
    "sqlite": {
        "forwards": [FTS, *TRIGGERS],
        "backwards": [
            "DROP TRIGGER IF EXISTS search_fts_ai",
            "DROP TRIGGER IF EXISTS search_fts_ad",
            "DROP TRIGGER IF EXISTS search_fts_au",
            "DROP TABLE IF EXISTS search_fts",
        ],
    },
    "postgresql": {
        "forwards": [
            PG_COLUMN,
            "CREATE INDEX search_entry_tsv_gin ON search_searchentry USING gin (tsv)",
        ],
        "backwards": [
            "DROP INDEX IF EXISTS search_entry_tsv_gin",
            "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS tsv",
        ],
    },
}


def _run(direction):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in SQL:
            raise RuntimeError(f"search: no full-text index for the {vendor} database")
        for statement in SQL[vendor][direction]:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('enterprises', '0006_import_jobs'),
        ('plans', '0001_initial'),
        ('supervision', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('target', 'target'), ('enterprise', 'enterprise'), ('report', 'report'), ('notice', 'notice')], max_length=12)),
                ('title_tokens', models.TextField(blank=True)),
                ('body_tokens', models.TextField(blank=True)),
                ('enterprise', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='enterprises.enterprise')),
                ('notice', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='supervision.notice')),
                ('report', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='plans.progressreport')),
                ('target', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='plans.target')),
            ],
            options={
                'indexes': [models.Index(fields=['kind'], name='search_sear_kind_91bb6b_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('kind', 'target'), ('target__isnull', False)), models.Q(('enterprise__isnull', False), ('kind', 'enterprise')), models.Q(('kind', 'report'), ('report__isnull', False)), models.Q(('kind', 'notice'), ('notice__isnull', False)), _connector='OR'), name='search_entry_points_at_its_kind')],
            },
        ),
        migrations.RunPython(_run("forwards"), _run("backwards")),
    ]
