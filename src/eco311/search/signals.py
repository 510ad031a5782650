"""The index follows the indexed models: their saves (model signals) and their bulk writes
(core.signals.rows_written). Deletes need nothing: the entry's foreign key cascades.

Connected once, in SearchConfig.ready(); each receiver has a dispatch_uid so a second ready()
(tests, the autoreloader) does not connect it twice.
"""

from django.db.models.signals import post_delete, post_save

from eco311.core.signals import rows_written
from eco311.enterprises.models import Enterprise, FormerName
from eco311.plans.models import ProgressReport, Section, Target, Task
from eco311.search import index
from eco311.supervision.models import Notice

_KIND_OF = {Target: "target", Enterprise: "enterprise", ProgressReport: "report", Notice: "notice"}


def _saved(sender, instance, raw=False, **kwargs):
    # A fixture load (raw) saves rows before the rows they refer to: `eco311 search reindex`.
    if raw:
        return
    index.reindex(_KIND_OF[sender], [instance.pk])
    if sender is Target:
        # A report's document carries its target's key.
        index.reindex("report", instance.reports.values_list("pk", flat=True))


def _former_name(sender, instance, raw=False, origin=None, **kwargs):
    if raw:
        return
    # Deleted with its enterprise (a cascade): the enterprise's entry goes with it.
    if origin is not None and getattr(origin, "model", type(origin)) is not FormerName:
        return
    if Enterprise.objects.filter(pk=instance.enterprise_id).exists():
        index.reindex("enterprise", [instance.enterprise_id])


def _plan_part(sender, instance, raw=False, **kwargs):
    if raw:
        return
    if sender is Task:
        index.reindex_targets_of(task_ids=[instance.pk])
    else:
        index.reindex_targets_of(section_ids=[instance.pk])


def _bulk(sender, ids=None, **kwargs):
    if sender is FormerName:
        sender, ids = Enterprise, None if ids is None else _enterprises_of(ids)
    kind = _KIND_OF.get(sender)
    if kind is not None:
        index.reindex(kind, ids)


def _enterprises_of(former_name_ids):
    return FormerName.objects.filter(pk__in=list(former_name_ids)).values_list(
        "enterprise_id", flat=True
    )


def connect() -> None:
    for model in _KIND_OF:
        post_save.connect(_saved, sender=model, dispatch_uid=f"search-{model.__name__}")
    for model in (Task, Section):
        post_save.connect(_plan_part, sender=model, dispatch_uid=f"search-{model.__name__}")
    post_save.connect(_former_name, sender=FormerName, dispatch_uid="search-formername-save")
    post_delete.connect(_former_name, sender=FormerName, dispatch_uid="search-formername-del")
    rows_written.connect(_bulk, dispatch_uid="search-bulk")
