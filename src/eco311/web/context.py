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
    }
    return {"DEMO_MODE": settings.DEMO_MODE, "LANGUAGES": settings.LANGUAGES, "nav": nav}
