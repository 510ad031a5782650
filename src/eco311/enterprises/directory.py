"""The enterprise directory behind the enterprise pages: search, profile, returns and history.

Access is not decided here: callers pass a queryset already limited by
``Actor.scoped_enterprises`` (accounts/scopes.py). Labels and units of return fields come from
the survey data dictionary, so the pages say what the Excel template says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Max, Prefetch, Q
from django.utils.translation import gettext as _

from eco311.core.models import is_english
from eco311.enterprises.models import (
    AnnualReturn,
    Enterprise,
    FormerName,
    IndustryCode,
    Segment,
    Tag,
)
from eco311.enterprises.survey.dictionary import FieldSpec, load_dictionary
from eco311.geo.models import Area, county_label

PAGE_SIZE = 50


def lang() -> str:
    """The active interface language as the survey modules name it: "zh" or "en"."""
    return "en" if is_english() else "zh"


# ---------------------------------------------------------------------------
# The list
# ---------------------------------------------------------------------------


@dataclass
class Filters:
    city: str = ""
    park: str = ""
    segment: str = ""
    tag: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, params) -> Filters:
        return cls(**{k: (params.get(k) or "").strip()[:100] for k in cls.__dataclass_fields__})

    def items(self):
        return [(k, v) for k, v in self.__dict__.items() if v]


def active_tags_q(kind: str | None = None, day: date | None = None, prefix: str = "") -> Q:
    day = day or date.today()
    q = Q(**{f"{prefix}granted_on__lte": day}) & (
        Q(**{f"{prefix}revoked_on__isnull": True}) | Q(**{f"{prefix}revoked_on__gt": day})
    )
    if kind:
        q &= Q(**{f"{prefix}kind": kind})
    return q


def search(qs, filters: Filters):
    """Enterprises of ``qs`` matching the filters (city code, park key, segment, active tag, text)."""
    if filters.city:
        qs = qs.filter(city__code=filters.city)
    if filters.park:
        qs = qs.filter(park__key=filters.park)
    if filters.segment:
        qs = qs.filter(segment=filters.segment)
    if filters.tag:
        holders = Tag.objects.filter(active_tags_q(filters.tag)).values("enterprise_id")
        qs = qs.filter(pk__in=holders)
    if filters.q:
        text = filters.q
        former = FormerName.objects.filter(name__icontains=text).values("enterprise_id")
        qs = qs.filter(Q(name__icontains=text) | Q(uscc__icontains=text.upper()) | Q(pk__in=former))
    return qs


def for_listing(qs):
    """What each row of the list shows, in few queries."""
    return (
        qs.select_related("city", "park", "industry")
        .annotate(latest_year=Max("returns__year"))
        .prefetch_related(
            Prefetch("tags", queryset=Tag.objects.filter(active_tags_q()), to_attr="active_tags")
        )
        .order_by("city__code", "name", "uscc")
    )


def filter_choices(scoped) -> dict:
    """The options of the filter bar, limited to what the user's scope contains."""
    city_ids = scoped.order_by().values_list("city_id", flat=True).distinct()
    park_ids = scoped.order_by().exclude(park=None).values_list("park_id", flat=True).distinct()
    return {
        "cities": Area.objects.filter(pk__in=city_ids).order_by("code"),
        "parks": Area.objects.filter(pk__in=park_ids).order_by("key"),
        "segments": Segment.choices,
        "tags": Tag.Kind.choices,
    }


def tags_of(enterprise: Enterprise, day: date | None = None) -> list[tuple[Tag, bool]]:
    """The enterprise's tags, oldest first, each with whether it is active on ``day``."""
    day = day or date.today()
    return [(t, t.active_on(day)) for t in enterprise.tags.order_by("granted_on", "kind")]


# ---------------------------------------------------------------------------
# Values as the pages show them
# ---------------------------------------------------------------------------


def format_number(value, decimals: int | None = None) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int):
        return f"{value:,}"
    return f"{float(value):,.{2 if decimals is None else decimals}f}"


def field_value(spec: FieldSpec, value) -> str:
    """A return value as the survey states it: labels for choices, numbers with separators."""
    if value is None or value == "":
        return "—"
    if spec.type in ("enum", "bool"):
        for stored, label in spec.options():
            if stored == value or str(stored) == str(value):
                return label.get(lang())
        return str(value)
    if spec.type == "integer":
        return format_number(int(value))
    if spec.type == "decimal":
        return format_number(value, spec.decimals if spec.decimals is not None else 2)
    return str(value)


def return_fields() -> list[FieldSpec]:
    """The dictionary fields an AnnualReturn stores (the registry fields live on Enterprise)."""
    stored = {f.name for f in AnnualReturn._meta.concrete_fields}
    return [f for f in load_dictionary().fields if f.key in stored and f.key != "year"]


@dataclass
class ReturnsByYear:
    years: list[int]
    statuses: list[str]
    groups: list[tuple[str, list[tuple[FieldSpec, list[str]]]]] = field(default_factory=list)


def visible_returns(enterprise: Enterprise, *, drafts: bool = False):
    """The enterprise's returns by year; unsubmitted drafts only with ``drafts``
    (Actor.sees_draft_returns_of decides)."""
    returns = enterprise.returns.order_by("year")
    return returns if drafts else returns.exclude(status=AnnualReturn.Status.DRAFT)


def returns_by_year(enterprise: Enterprise, *, drafts: bool = False) -> ReturnsByYear:
    """The enterprise's returns as a table: one row per dictionary field, one column per year."""
    returns = list(visible_returns(enterprise, drafts=drafts))
    d = load_dictionary()
    group_labels = {g.key: g.label.get(lang()) for g in d.groups}
    groups: dict[str, list] = {}
    for spec in return_fields():
        groups.setdefault(spec.group, []).append(
            (spec, [field_value(spec, getattr(r, spec.key)) for r in returns])
        )
    return ReturnsByYear(
        years=[r.year for r in returns],
        statuses=[r.get_status_display() for r in returns],
        groups=[(group_labels.get(k, k), rows) for k, rows in groups.items()],
    )


# ---------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------

_SKIP = {"id", "created_on", "modified_on", "created_by", "modified_by", "batch", "enterprise"}
_REGISTRY_LABELS = {"city": "city_code", "park": "park_key", "industry": "industry_code"}


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: object
    who: str
    what: str
    kind: str  # "+" created, "~" changed, "-" deleted
    reason: str
    changes: list[Change]


def _label(name: str) -> str:
    spec = load_dictionary().by_key.get(_REGISTRY_LABELS.get(name, name))
    if spec is not None:
        return spec.label.get(lang())
    model_field = next(
        (f for m in (Enterprise, AnnualReturn, Tag) for f in m._meta.fields if f.name == name),
        None,
    )
    return str(model_field.verbose_name) if model_field is not None else name


def _shown(name: str, value, areas: dict) -> str:
    if value is None or value == "":
        return "—"
    if name == "industry":
        industry = IndustryCode.objects.filter(pk=value).first()  # rare: changes are few
        return str(industry) if industry else str(value)
    if name in ("city", "park"):
        area = areas.get(value)
        return area.name if area else str(value)
    if name == "county_code":
        return county_label(value)  # rare: changes are few
    if name == "status":
        return str(AnnualReturn.Status(value).label) if value in AnnualReturn.Status else value
    if name == "segment" and value in Segment.values:
        return str(Segment(value).label)
    if name == "kind" and value in Tag.Kind.values:
        return str(Tag.Kind(value).label)
    spec = load_dictionary().by_key.get(name)
    if spec is not None:
        return field_value(spec, value)
    return str(value)


def _tracked(model, skip=()) -> list[tuple[str, str]]:
    """(field name, attribute) of the fields whose changes the history shows."""
    return [
        (f.name, f.attname)
        for f in model._meta.concrete_fields
        if f.name not in _SKIP and f.name not in skip
    ]


def _diffs(records, fields, areas: dict, describe) -> list[HistoryEntry]:
    """History entries of one model's records, each compared with the previous of its row."""
    entries = []
    previous: dict = {}
    for h in sorted(records, key=lambda h: (h.history_date, h.history_id)):
        before = previous.get(h.id)
        changes = []
        if before is not None and h.history_type == "~":
            for name, attr in fields:
                old, new = getattr(before, attr), getattr(h, attr)
                if old != new:
                    changes.append(
                        Change(_label(name), _shown(name, old, areas), _shown(name, new, areas))
                    )
        previous[h.id] = h
        user = h.history_user
        entries.append(
            HistoryEntry(
                when=h.history_date,
                who=(user.get_full_name() or user.username) if user else _("system"),
                what=describe(h),
                kind=h.history_type,
                reason=h.history_change_reason or "",
                changes=changes,
            )
        )
    return entries


def history(
    enterprise: Enterprise, limit: int = 100, *, drafts: bool = False
) -> list[HistoryEntry]:
    """Every recorded change to the enterprise, its returns and its tags; newest first.

    Without ``drafts``, the states of a return while it was an unsubmitted draft are left out.
    """
    return_history = AnnualReturn.history.filter(enterprise_id=enterprise.pk)
    if not drafts:
        return_history = return_history.exclude(status=AnnualReturn.Status.DRAFT)
    areas = {a.pk: a for a in Area.objects.filter(kind__in=["city", "park"])}
    entries = _diffs(
        Enterprise.history.filter(id=enterprise.pk).select_related("history_user"),
        _tracked(Enterprise, {"synthetic", "uscc"}),
        areas,
        lambda h: _("Registry entry"),
    )
    entries += _diffs(
        return_history.select_related("history_user"),
        _tracked(AnnualReturn, {"synthetic", "year"}),
        areas,
        lambda h: _("Annual return %(year)s") % {"year": h.year},
    )
    entries += _diffs(
        Tag.history.filter(enterprise_id=enterprise.pk).select_related("history_user"),
        _tracked(Tag),
        areas,
        lambda h: _("Tag: %(kind)s") % {"kind": _shown("kind", h.kind, areas)},
    )
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]
