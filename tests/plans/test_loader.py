"""Loading plan files into the database, and exporting them again."""

import json

import pytest
import yaml

from eco311.cli import main
from eco311.plans.loader import PlanLoadError, load_plan
from eco311.plans.models import Plan, Target

pytestmark = pytest.mark.django_db


def test_loading_the_same_plan_twice_changes_nothing():
    before = Target.history.count()
    result = load_plan("shandong-311")
    assert result.created == 0 and result.updated == 0 and result.deactivated == 0
    assert result.unchanged == Target.objects.filter(plan__key="shandong-311").count()
    assert Target.history.count() == before


def _targets(sections):
    for section in sections:
        for task in section.get("tasks", []):
            yield from task.get("targets", [])
        yield from _targets(section.get("sections", []))


def test_a_changed_file_updates_in_place_and_keeps_history(tmp_path):
    from eco311.plans.planfile import PLAN_DIR

    data = yaml.safe_load((PLAN_DIR / "shandong-311.yaml").read_text(encoding="utf-8"))
    spec = next(_targets(data["sections"]))
    target = Target.objects.get(plan__key="shandong-311", key=spec["key"])
    old_en = target.text_en
    spec["text"]["en"] = old_en + " (revised)"
    changed = tmp_path / "shandong-311.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = load_plan(str(changed))
    assert result.updated == 1 and result.created == 0 and result.deactivated == 0
    target.refresh_from_db()
    assert target.text_en.endswith("(revised)")
    assert target.history.filter(text_en=old_en).exists()


def test_a_bad_plan_file_is_rejected_with_its_location_and_nothing_is_written(tmp_path):
    bad = tmp_path / "broken.yaml"
    from eco311.plans.planfile import PLAN_DIR

    text = (PLAN_DIR / "shandong-311.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("kind: numeric", "kind: numerc", 1), encoding="utf-8")
    count = Target.objects.count()
    with pytest.raises(PlanLoadError) as exc:
        load_plan(str(bad))
    assert "broken.yaml" in str(exc.value) and "kind" in str(exc.value)
    assert Target.objects.count() == count


def test_plan_export_lists_every_target_with_the_documented_fields(capsys):
    assert main(["plan", "export", "shandong-311", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["plan"]["key"] == "shandong-311"
    targets = data["targets"]
    assert len(targets) == Target.objects.filter(plan__key="shandong-311", is_active=True).count()
    assert 80 <= len(targets) <= 140
    fields = {
        "key",
        "section",
        "kind",
        "scope",
        "metric",
        "op",
        "value",
        "value_max",
        "unit",
        "deadline",
        "recurring",
        "responsible",
        "source",
        "flags",
    }
    for t in targets:
        assert fields <= set(t), t["key"]
        assert set(t["scope"]) >= {"kind", "name", "code"}
        assert t["deadline"] is None or len(t["deadline"]) == 10
    flagged = [t for t in targets if "ambiguous_deadline" in t["flags"]]
    assert flagged and all(t["deadline"] is None for t in flagged)
    assert any("202 年年底前" in t["source"] for t in flagged)


def test_export_of_an_unknown_plan_fails_clearly(capsys):
    assert main(["plan", "export", "no-such-plan"]) == 2
    assert "no-such-plan" in capsys.readouterr().err


def test_three_plans_are_shipped():
    assert Plan.objects.count() == 3
    assert {p.language for p in Plan.objects.all()} == {"zh", "en"}
