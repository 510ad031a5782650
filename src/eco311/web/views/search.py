"""The search page: one box for targets, enterprises, progress reports and notices.

What each user finds is decided by the Actor (search/query.py applies its filters); this view
parses the query, words the refusals in the user's language and builds the links.
"""

from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from eco311.accounts.scopes import actor
from eco311.search import query as search_query
from eco311.search.tokenise import MAX_QUERY, MAX_TERMS, MIN_TERM, QueryError, parse

#: Hits per kind on the overview; one kind (``?kind=``) lists up to PER_KIND.
OVERVIEW = 5
PER_KIND = 50

# A context of their own: elsewhere "Enterprises" heads a count column (企业数).
KIND_TITLES = {
    "target": pgettext_lazy("search results", "Targets"),
    "enterprise": pgettext_lazy("search results", "Enterprises"),
    "report": pgettext_lazy("search results", "Progress reports"),
    "notice": pgettext_lazy("search results", "Notices"),
}

#: Field labels of the documents (search/index.py).
LABELS = {
    "key": _("Key"),
    "text": _("Target"),
    "source": _("Source sentence"),
    "metric": _("Indicator"),
    "section": _("Section"),
    "task": _("Task"),
    "note": _("Note"),
    "name": _("Name"),
    "former_name": _("Former name"),
    "uscc": _("Unified social credit code"),
    "products": _("Main products and services"),
    "industry": _("Industry"),
    "review_comment": _("Review comment"),
    "number": _("Number"),
    "title": _("Title"),
    "body": _("Text"),
}

#: Why a query is not searched, with the number the message quotes (formatted per request).
REFUSALS = {
    "control": (_("The search contains control or invisible characters. Type it again."), 0),
    "long": (_("The search is too long: at most %(n)d characters."), MAX_QUERY),
    "short": (_("Search for at least %(n)d characters (letters or digits)."), MIN_TERM),
    "terms": (_("Too many words: at most %(n)d."), MAX_TERMS),
}


def refusal(code: str) -> str:
    message, n = REFUSALS[code]
    return str(message) % {"n": n} if n else str(message)


def _link(kind: str, obj) -> str:
    if kind == "target":
        return reverse("target", args=[obj.plan.key, obj.key])
    if kind == "enterprise":
        return reverse("enterprise", args=[obj.uscc])
    if kind == "report":
        return reverse("target", args=[obj.target.plan.key, obj.target.key]) + f"#report-{obj.pk}"
    try:
        return reverse("notice", args=[obj.pk])
    except NoReverseMatch:  # the notice pages are not installed
        return ""


def _heading(kind: str, obj) -> str:
    if kind == "target":
        return f"{obj.key} {obj.text}"
    if kind == "enterprise":
        return obj.name
    if kind == "report":
        return f"{obj.target.key} · {obj.period_end:%Y-%m-%d} · {obj.get_status_display()}"
    return f"{obj.number} {obj.title}".strip()


def _detail(kind: str, obj) -> str:
    if kind == "target":
        return f"{obj.task.section.ref} {obj.task.section.title}"
    if kind == "enterprise":
        return f"{obj.uscc} · {obj.city.short_name or obj.city.name}"
    if kind == "report":
        return obj.target.text
    return f"{obj.published_on:%Y-%m-%d}" if obj.published_on else ""


def search(request):
    a = actor(request)
    text = request.GET.get("q", "")
    kind = request.GET.get("kind", "")
    kinds = search_query.kinds_for(a)
    if kind not in kinds:
        kind = ""
    context = {
        # Echoed into the box as typed, less what cannot be shown (control characters).
        "q": "".join(c for c in text[: MAX_QUERY * 2] if c.isprintable()),
        "kind": kind,
        "kinds": [(k, KIND_TITLES[k]) for k in kinds],
        "per_kind": PER_KIND,
    }
    if not text.strip():
        return render(request, "web/search.html", {**context, "hint": True})
    try:
        parsed = parse(text)
    except QueryError as err:
        return render(request, "web/search.html", {**context, "refusal": refusal(err.code)})
    limit = PER_KIND if kind else OVERVIEW
    lang = "en" if (get_language() or "").startswith("en") else "zh"
    found = search_query.search(a, parsed, kinds=[kind] if kind else None, limit=limit, lang=lang)
    groups = [
        {
            "kind": r.kind,
            "title": KIND_TITLES[r.kind],
            "more": r.more,
            "hits": [
                {
                    "url": _link(r.kind, h.obj),
                    "heading": _heading(r.kind, h.obj),
                    "detail": _detail(r.kind, h.obj),
                    "label": LABELS.get(h.field.label, "") if h.field else "",
                    "pieces": h.pieces,
                }
                for h in r.hits
            ],
        }
        for r in found
    ]
    context.update(
        groups=groups,
        total=sum(len(g["hits"]) for g in groups),
        dropped=" ".join(parsed.dropped),
        min_term=MIN_TERM,
    )
    return render(request, "web/search.html", context)
