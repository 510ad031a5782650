"""Synthetic notices (通知公告) for the demo: one public announcement with an attachment, one to
every account, one to chosen cities, and a few read receipts.

Deterministic (fixed texts, dates and readers) and run once: a second run changes nothing.
Everything goes through notices.py, so the demo obeys the same rules as the plan owner; the
notices are marked synthetic and say so in their text.
"""

from datetime import datetime, time

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from eco311.geo.models import Area
from eco311.supervision import notices
from eco311.supervision.models import Notice, NoticeReceipt

MARK = "（合成演示数据，非正式文件）"

AGENDA = (
    "2025年山东省生态环保产业供需对接会 议程（合成演示数据）\n"
    "\n"
    "09:00  开幕致辞\n"
    "09:30  “311”工程重点项目推介\n"
    "10:30  环保装备与服务供需对接\n"
    "14:00  金融机构与环保企业洽谈\n"
    "16:30  闭幕\n"
)

#: (title, body, audience, city codes, attachment, published on, readers and when they read).
NOTICES = [
    (
        "关于举办2025年山东省生态环保产业供需对接会的公告",
        "为推动生态环保产业集群、特色园区和骨干企业供需对接，定于2025年5月在济南举办"
        "全省生态环保产业供需对接会。欢迎环保企业、园区、金融机构和用户单位报名参加，"
        "议程见附件。" + MARK,
        Notice.Audience.PUBLIC,
        (),
        ("对接会议程.txt", AGENDA),
        (2025, 4, 10),
        [("jinan", (2025, 4, 11)), ("enterprise", (2025, 4, 12))],
    ),
    (
        "关于做好“311”工程2025年第二季度进展报送工作的通知",
        "各有关单位：请于2025年7月15日前在平台报送第二季度目标进展及佐证材料；"
        "企业请同步完成年度统计调查填报。报送情况将纳入调度通报。" + MARK,
        Notice.Audience.ALL,
        (),
        None,
        (2025, 6, 5),
        [("dept", (2025, 6, 5)), ("jinan", (2025, 6, 6)), ("park", (2025, 6, 9))],
    ),
    (
        "关于开展生态环保产业特色园区建设情况调研的通知",
        "济南、青岛、淄博市生态环境局：省生态环境厅将于6月下旬赴你市调研特色园区建设进展，"
        "请提前准备园区建设情况汇报材料，并确定一名联系人。" + MARK,
        Notice.Audience.CHOSEN,
        ("370100", "370200", "370300"),
        None,
        (2025, 6, 20),
        [("jinan", (2025, 6, 21))],
    ),
]


def _at(day: tuple[int, int, int], hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(datetime(*day).date(), time(hour)))


@transaction.atomic
def setup_notices_demo(actor_of) -> int:
    """Publish the demo's notices as the plan owner and record some readers; ``actor_of(user)``
    builds an Actor (accounts.scopes.Actor.of: supervision does not import accounts). Returns
    how many notices were published (0 when they are already there)."""
    if Notice.objects.filter(synthetic=True).exists():
        return 0
    users = {u.username: u for u in get_user_model().objects.filter(is_active=True)}
    if "admin" not in users:
        return 0
    admin = actor_of(users["admin"])
    made = 0
    for title, body, audience, cities, attachment, day, readers in NOTICES:
        files = []
        if attachment is not None:
            name, text = attachment
            files.append(SimpleUploadedFile(name, text.encode("utf-8"), "text/plain"))
        notice = notices.save_draft(
            admin,
            title=title,
            body=body,
            audience=audience,
            areas=list(Area.objects.filter(kind="city", code__in=cities).order_by("code")),
            attachments=files,
            synthetic=True,
        )
        notices.publish(admin, notice, on=_at(day))
        for username, read_day in readers:
            user = users.get(username)
            if user is not None:
                notices.mark_read(user, notice)
                # The receipt's time is that of the story, not of the demo's set-up.
                NoticeReceipt.objects.filter(notice=notice, user=user).update(
                    read_on=_at(read_day, 10)
                )
        made += 1
    return made
