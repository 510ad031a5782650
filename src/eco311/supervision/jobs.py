"""Background jobs of the supervision loop, run by the workers once a day (core/jobs).

``supervision.remind`` runs the schedule (supervision/auto.py) and is exclusive: two runs at
once would only race for the same dedupe keys. ``supervision.digest`` sends the daily digests
and retries the single mails that failed.
"""

from datetime import date

from eco311.core import jobs
from eco311.supervision import auto, delivery


@jobs.handler("supervision.remind", exclusive=True)
def remind(ctx, as_of: str | None = None) -> dict:
    """Send the reminders the schedule says are due on ``as_of`` (ISO; default the platform's
    evaluation date, ECO311_AS_OF, else today) and have not been sent."""
    day = date.fromisoformat(as_of) if as_of else auto.default_as_of()
    ctx.progress(0.1, "正在计算到期提醒", "Finding the reminders due")
    found = auto.run(day)
    by_rule: dict[str, int] = {}
    for d in found.due:
        by_rule[d.rule] = by_rule.get(d.rule, 0) + 1
    return {"as_of": day.isoformat(), "created": len(found.created), "by_rule": by_rule}


@jobs.handler("supervision.digest")
def digest(ctx) -> dict:
    """Send each user who chose it his daily digest, and retry the single mails that failed."""
    return {"digests": delivery.send_digests(), "retried": delivery.retry_failed()}


jobs.register_daily("supervision.remind")
jobs.register_daily("supervision.digest")
