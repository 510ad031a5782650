"""The search index: one row per searchable object, with its bigram tokens (search/tokenise.py).

The row points at its object through the foreign key of its kind (the others are empty), so
that deleting the object deletes the row and a query filters the rows with the same Actor
filters the object's own pages use (``enterprises_q("enterprise__")``, ...). The full-text part
is vendor-specific and lives outside the ORM (migrations/0001_initial.py): on SQLite an FTS5
table over ``title_tokens`` and ``body_tokens`` kept in step by triggers, on PostgreSQL a
weighted ``tsv`` tsvector column filled by a trigger, with a GIN index.
"""

from django.db import models


class SearchEntry(models.Model):
    class Kind(models.TextChoices):
        TARGET = "target", "target"
        ENTERPRISE = "enterprise", "enterprise"
        REPORT = "report", "report"
        NOTICE = "notice", "notice"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    target = models.OneToOneField(
        "plans.Target", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    enterprise = models.OneToOneField(
        "enterprises.Enterprise", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    report = models.OneToOneField(
        "plans.ProgressReport", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    notice = models.OneToOneField(
        "supervision.Notice", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    #: Names, keys, titles and codes: a match here is listed before a match in the body.
    title_tokens = models.TextField(blank=True)
    body_tokens = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["kind"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="target", target__isnull=False)
                    | models.Q(kind="enterprise", enterprise__isnull=False)
                    | models.Q(kind="report", report__isnull=False)
                    | models.Q(kind="notice", notice__isnull=False)
                ),
                name="search_entry_points_at_its_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"

    @property
    def object_id(self) -> int | None:
        return getattr(self, f"{self.kind}_id")
