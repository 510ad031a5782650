"""``{% latest_notices 5 as notices %}``: the newest notices the visitor may read (the
dashboard's 通知公告 block; the public ones for the anonymous public)."""

from django import template

from eco311.accounts.lookups import notices_for_user

register = template.Library()


@register.simple_tag(takes_context=True)
def latest_notices(context, n: int = 5):
    request = context.get("request")
    if request is None:
        return []
    # notices_for_user gives the plan owner his drafts too: the block shows what is out.
    qs = notices_for_user(request).filter(published_on__isnull=False, withdrawn_on__isnull=True)
    return list(qs.order_by("-published_on", "-id")[:n])
