from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _fill_if_empty(sender, **kwargs):
    """An existing database migrated to a version with search (an upgrade, a restored older
    backup) has data and no index yet: build it once. An empty database costs four counts."""
    from django.db import connections

    from eco311.search.index import reindex
    from eco311.search.models import SearchEntry

    # `migrate <one app>` sends post_migrate too, before search's own table exists.
    connection = connections[kwargs.get("using") or "default"]
    if SearchEntry._meta.db_table not in connection.introspection.table_names():
        return
    if not SearchEntry.objects.exists():
        reindex()


class Config(AppConfig):
    name = "eco311.search"
    label = "search"
    verbose_name = "search"

    def ready(self):
        # The indexed apps know nothing of search (layer order): the index follows their saves
        # and deletes through Django's model signals, and their bulk writes (which send none)
        # through core.signals.rows_written.
        from eco311.search import signals

        signals.connect()
        post_migrate.connect(_fill_if_empty, sender=self, dispatch_uid="search-fill-if-empty")
