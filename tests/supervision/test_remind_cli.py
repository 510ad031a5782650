"""`eco311 remind`: the schedule's reminders listed (and sent) from the command line."""

import json
from datetime import date

import pytest

from eco311 import cli
from eco311.supervision.models import Reminder

pytestmark = pytest.mark.django_db

AS_OF = "2025-12-01"


def remind(capsys, *args) -> tuple[int, str, str]:
    code = cli.main(["remind", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_dry_run_prints_valid_stable_json_and_writes_nothing(capsys):
    count = Reminder.objects.count()
    code, out, _ = remind(capsys, "--as-of", AS_OF, "--dry-run", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["as_of"] == AS_OF and data["dry_run"] is True
    rows = data["reminders"]
    assert rows, "the shipped plans have targets due 2025-12-31"
    assert Reminder.objects.count() == count

    first = rows[0]
    assert set(first) >= {"target", "plan", "enterprise", "party", "level", "reason", "rule"}
    assert first["level"] in ("remind", "urge", "supervise")
    assert first["reason"]["zh"] and first["reason"]["en"]
    assert {r["rule"] for r in rows} >= {"deadline_30"}
    keys = [(r["plan"] or "", r["target"] or "", r["enterprise"] or "", r["rule"]) for r in rows]
    assert keys == sorted(keys)

    _, again, _ = remind(capsys, "--as-of", AS_OF, "--dry-run", "--format", "json")
    assert again == out


def test_without_dry_run_it_sends_and_a_rerun_sends_nothing(capsys):
    code, out, _ = remind(capsys, "--as-of", AS_OF, "--format", "json")
    assert code == 0
    sent = json.loads(out)["reminders"]
    assert sent
    keys = {r["dedupe_key"] for r in sent}
    assert Reminder.objects.filter(dedupe_key__in=keys).count() == len(keys)

    _, out, _ = remind(capsys, "--as-of", AS_OF, "--format", "json")
    assert json.loads(out)["reminders"] == []


def test_the_text_format_has_one_line_per_reminder(capsys):
    _, out, _ = remind(capsys, "--as-of", AS_OF, "--dry-run", "--format", "json")
    n = len(json.loads(out)["reminders"])
    code, text, err = remind(capsys, "--as-of", AS_OF, "--dry-run")
    assert code == 0
    lines = text.splitlines()
    assert len(lines) == n
    assert all(len(line.split("\t")) == 5 for line in lines)
    assert f"{n} reminders would send for {AS_OF}" in err


@pytest.mark.parametrize("bad", ["2025-13-01", "tomorrow", "2025/12/01"])
def test_a_bad_date_is_refused_in_both_languages(capsys, bad):
    code, out, err = remind(capsys, "--as-of", bad, "--dry-run", "--format", "json")
    assert code == 2
    assert out == ""
    assert f"--as-of {bad}" in err
    assert "不是有效日期" in err and "not a valid date" in err


def test_a_bad_schedule_file_is_refused_with_its_location(capsys, tmp_path):
    bad = tmp_path / "schedule.yaml"
    bad.write_text("schema: 1\nsurvey_deadline: '05-31'\nrules:\n  - key: x\n", encoding="utf-8")
    code, _, err = remind(capsys, "--as-of", AS_OF, "--dry-run", "--schedule", str(bad))
    assert code == 2
    assert "schedule.yaml: rules[0].kind" in err


def test_digest_sends_the_queued_digests(capsys):
    assert cli.main(["digest"]) == 0
    assert "digests sent" in capsys.readouterr().out


def test_the_default_day_is_the_platforms_evaluation_date(capsys, settings):
    settings.DEFAULT_AS_OF = AS_OF
    _, out, _ = remind(capsys, "--dry-run", "--format", "json")
    assert json.loads(out)["as_of"] == date.fromisoformat(AS_OF).isoformat()


def test_a_worker_run_from_cron_sends_the_days_reminders_once(capsys, settings):
    settings.DEFAULT_AS_OF = AS_OF
    assert cli.main(["worker", "--once", "--daily"]) == 0
    out = capsys.readouterr().out
    assert "supervision.remind: done" in out and "supervision.digest: done" in out
    assert Reminder.objects.filter(as_of=date.fromisoformat(AS_OF), sent_by=None).exists()

    assert cli.main(["worker", "--once", "--daily"]) == 0  # the same day: nothing enqueued
    assert "supervision.remind" not in capsys.readouterr().out
