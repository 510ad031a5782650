from django.conf import settings

from eco311.accounts.scopes import actor


def platform(request):
    """Values every page needs: the synthetic-data banner, the language switcher, and which menu
    links this user may open (the same Actor rules the views check, so a menu never offers a
    link that answers 403)."""
    a = actor(request)
    nav = {
        "warnings": a.can_see_warnings,
        "review_queue": a.is_official,
        "evaluation": a.can_evaluate,
        "my_return": a.can_file_returns,
        "returns_queue": a.can_review_returns,
        "accounts": a.can_manage_accounts,
        # Everyone reads notices (the public its public ones); the inbox is a signed-in user's.
        "notices": True,
        # The chain map is for everyone: the public sees its aggregates (web/views/chains.py).
        "chains": True,
        # The chain-map analysis (issued and draft documents): province-wide officials only.
        "chain_reports": a.can_read_chain_reports,
        "inbox": a.user is not None,
        "reminders": a.can_see_reminders,
        # Rows of the actor's own scope (the warnings page) offer "send a reminder".
        "send_reminder": a.sends_reminders,
    }
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "LANGUAGES": settings.LANGUAGES,
        "nav": nav,
        "inbox_count": _inbox_count(request, a),
    }


def _inbox_count(request, a):
    """The header's to-do badge: computed once per page, when the header shows it (a callable:
    the template calls it), and only for a signed-in user (a handful of COUNT queries)."""
    cache = {}

    def count():
        if "n" not in cache:
            from eco311.plans.display import as_of_from
            from eco311.supervision.inbox import count_for

            cache["n"] = count_for(a, as_of_from(request)) if a.user is not None else 0
        return cache["n"]

    return count
