"""The evaluation report built from the database, from the CLI and from the UI."""

from datetime import date

import pytest

from eco311.cli import main
from eco311.plans.models import Plan, Target
from eco311.reports.build import build_report

pytestmark = pytest.mark.django_db


def test_the_report_covers_every_target_with_consistent_counts():
    plan = Plan.objects.get(key="shandong-311")
    report = build_report(plan, date(2025, 6, 30), "zh")
    n = Target.objects.filter(plan=plan, is_active=True).count()
    assert len(report.targets) == n
    assert report.summary.total == n
    assert sum(row.counts.total for row in report.by_section) == n
    assert report.synthetic
    assert {t.status for t in report.targets} <= set(report.summary.counts)
    flagged = [t for t in report.targets if t.flags]
    assert flagged, "the ambiguous 202 deadline must be carried into the report"


def test_the_english_report_uses_english_texts():
    plan = Plan.objects.get(key="shandong-311")
    en = build_report(plan, date(2025, 6, 30), "en")
    zh = build_report(plan, date(2025, 6, 30), "zh")
    assert en.plan_title == plan.title_en and zh.plan_title == plan.title_zh
    assert en.targets[0].text == Target.objects.get(plan=plan, key=en.targets[0].key).text_en


@pytest.mark.parametrize(
    "fmt,magic", [("pdf", b"%PDF"), ("docx", b"PK"), ("xlsx", b"PK"), ("html", b"<!")]
)
def test_the_cli_writes_each_format(tmp_path, fmt, magic):
    out = tmp_path / f"report.{fmt}"
    code = main(
        [
            "evaluate",
            "--plan",
            "shandong-311",
            "--as-of",
            "2025-06-30",
            "--format",
            fmt,
            "--lang",
            "en",
            "-o",
            str(out),
        ]
    )
    assert code == 0
    assert out.read_bytes().lstrip()[:4].startswith(magic)


def test_a_bad_date_is_refused(capsys):
    assert main(["evaluate", "--as-of", "30.06.2025"]) == 2
    assert "2025-06-30" in capsys.readouterr().err


def test_the_ui_download_is_for_officials_of_the_province(client_for):
    url = "/evaluation/?plan=shandong-311&as_of=2025-06-30&format=html&lang=zh"
    response = client_for("dept").get(url)
    assert response.status_code == 200
    assert "text/html" in response["Content-Type"]
    assert "山东省生态环保产业高质量发展" in response.content.decode()
    assert client_for("jinan").get(url).status_code == 403
