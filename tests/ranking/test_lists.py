"""A year's ranking list: computed by a background job, reviewed, published, immutable."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from eco311.accounts.scopes import Actor
from eco311.core import jobs
from eco311.core.models import Job
from eco311.enterprises.models import AnnualReturn
from eco311.ranking import service
from eco311.ranking.models import PublishedListError, RankingEntry, RankingList


@pytest.fixture
def computed(survey_population, personas):
    """A draft list of 2024, computed by its job."""
    ranking = service.start(year=2024, actor=Actor.of(personas["admin"]), top_n=20)
    job = jobs.run_next("test")
    assert job.status == Job.Status.DONE, job.error
    ranking.refresh_from_db()
    return ranking


def test_only_the_administrator_starts_a_ranking(survey_population, personas):
    for name in ("dept", "jinan", "park", "enterprise", "bank"):
        with pytest.raises(PermissionDenied):
            service.start(year=2024, actor=Actor.of(personas[name]))
    assert not RankingList.objects.exists()


def test_a_year_without_approved_returns_cannot_be_ranked(survey_population, personas):
    with pytest.raises(ValidationError) as err:
        service.start(year=2019, actor=Actor.of(personas["admin"]))
    assert "year" in err.value.message_dict
    assert not RankingList.objects.exists() and not Job.objects.exists()


def test_the_job_computes_a_draft_with_every_candidate(computed):
    assert computed.status == RankingList.Status.DRAFT
    approved = AnnualReturn.objects.filter(year=2024, status="approved").count()
    assert computed.entries.count() == approved == computed.summary["candidates"]
    ranked = computed.entries.filter(rank__isnull=False)
    assert ranked.count() == computed.summary["ranked"] > 100
    # ranks follow the scores, 1 is the best, ties share the lower rank
    ordered = list(ranked.order_by("rank").values_list("rank", "score"))
    assert ordered[0][0] == 1
    scores = [s for _r, s in ordered]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 100 for s in scores)


def test_excluded_enterprises_say_why(survey_population, personas):
    approved = AnnualReturn.objects.filter(year=2024, status="approved").order_by("pk")
    violated = list(approved[:2])
    AnnualReturn.objects.filter(pk__in=[r.pk for r in violated]).update(major_violation=True)
    silent = approved[2]
    AnnualReturn.objects.filter(pk=silent.pk).update(
        env_revenue_manufacturing=None, env_revenue_services=None, env_revenue_resource=None
    )
    ranking = service.start(year=2024, actor=Actor.of(personas["admin"]), top_n=20, samples=0)
    jobs.run_next("test")
    ranking.refresh_from_db()

    for ret in violated:
        entry = ranking.entries.get(enterprise=ret.enterprise)
        assert entry.rank is None and not entry.eligible
        assert entry.excluded_code == "major_violation"
        assert entry.excluded_zh == "当年有重大环境违法行为"
        assert entry.excluded_en == "A major environmental violation in the year"
    entry = ranking.entries.get(enterprise=silent.enterprise)
    assert (entry.rank, entry.excluded_code) == (None, "no_env_revenue")
    assert ranking.summary["excluded"] == {"major_violation": 2, "no_env_revenue": 1}
    assert ranking.summary["eligible"] == ranking.summary["candidates"] - 3


def test_an_entry_keeps_the_numbers_behind_its_rank(computed):
    entry = computed.entries.get(rank=1)
    methodology = service.load_default()
    codes = {i.code for i in methodology.indicators}
    assert set(entry.values) == set(entry.normalised) == codes
    assert set(entry.group_scores) == {
        "scale",
        "growth",
        "innovation",
        "quality",
        "credit",
        "index",
    }
    assert entry.group_scores["index"] == pytest.approx(entry.score)
    # the index is the weighted mean of the groups (weights 25/20/25/15/15)
    weights = {"scale": 25, "growth": 20, "innovation": 25, "quality": 15, "credit": 15}
    present = {g: w for g, w in weights.items() if entry.group_scores[g] is not None}
    expected = sum(entry.group_scores[g] * w for g, w in present.items()) / sum(present.values())
    assert entry.score == pytest.approx(expected)
    # the values are the enterprise's own: R&D intensity is its R&D over its revenue, in %
    ret = AnnualReturn.objects.get(enterprise=entry.enterprise, year=2024)
    if "rd_intensity" not in entry.imputed and ret.total_revenue:
        assert entry.values["rd_intensity"] == pytest.approx(
            float(ret.rd_spending) / float(ret.total_revenue) * 100
        )


def test_publishing_gives_versions_and_freezes_the_list(computed, personas):
    published = service.publish(computed, actor=Actor.of(personas["admin"]))
    assert (published.status, published.version) == (RankingList.Status.PUBLISHED, 1)
    assert published.published_by == personas["admin"]

    with pytest.raises(PublishedListError):
        published.top_n = 50
        published.save()
    entry = published.entries.get(rank=1)
    with pytest.raises(PublishedListError):
        entry.score = 0
        entry.save()
    with pytest.raises(PublishedListError):
        entry.delete()
    with pytest.raises(ValidationError):
        service.publish(published, actor=Actor.of(personas["admin"]))

    again = service.start(year=2024, actor=Actor.of(personas["admin"]), top_n=20)
    jobs.run_next("test")
    again.refresh_from_db()
    assert service.publish(again, actor=Actor.of(personas["admin"])).version == 2
    assert RankingList.objects.get(pk=published.pk).entries.count() == entry.ranking.entries.count()
    assert [h.history_change_reason for h in published.history.all()][:1] == ["publish"]


def test_a_published_list_keeps_its_methodology(computed, personas, monkeypatch, tmp_path):
    published = service.publish(computed, actor=Actor.of(personas["admin"]))
    changed = tmp_path / "m.yaml"
    changed.write_text(service.methodology_text().replace("weight: 25", "weight: 50", 1))
    monkeypatch.setattr(service, "METHODOLOGY_FILE", changed)

    later = service.start(year=2024, actor=Actor.of(personas["admin"]), top_n=20)
    assert later.methodology_sha256 != published.methodology_sha256
    assert RankingList.objects.get(pk=published.pk).methodology_text == computed.methodology_text


def test_the_others_cannot_publish_or_discard(computed, personas):
    for name in ("dept", "jinan", "enterprise"):
        with pytest.raises(PermissionDenied):
            service.publish(computed, actor=Actor.of(personas[name]))
        with pytest.raises(PermissionDenied):
            service.discard(computed, actor=Actor.of(personas[name]))
    assert RankingList.objects.get(pk=computed.pk).status == RankingList.Status.DRAFT


def test_a_discarded_draft_stays_on_record(computed, personas):
    service.discard(computed, actor=Actor.of(personas["admin"]))
    computed.refresh_from_db()
    assert computed.status == RankingList.Status.DISCARDED
    assert computed.entries.exists()
    with pytest.raises(ValidationError):
        service.publish(computed, actor=Actor.of(personas["admin"]))


def test_movement_is_measured_against_last_years_published_list(survey_population, personas):
    admin = personas["admin"]
    last = service.start(year=2023, actor=Actor.of(admin), top_n=20)
    jobs.run_next("test")
    last.refresh_from_db()
    service.publish(last, actor=Actor.of(admin))
    this = service.start(year=2024, actor=Actor.of(admin), top_n=20)
    jobs.run_next("test")
    before = dict(last.entries.filter(rank__isnull=False).values_list("uscc", "rank"))
    entries = RankingEntry.objects.filter(ranking=this, rank__isnull=False)
    assert entries.exclude(previous_rank=None).exists()
    for entry in entries:
        assert entry.previous_rank == before.get(entry.uscc)
        if entry.previous_rank is not None:
            assert entry.movement == entry.previous_rank - entry.rank


def test_a_failing_run_fails_the_list_and_writes_no_entries(survey_population, personas):
    ranking = service.start(year=2024, actor=Actor.of(personas["admin"]))
    RankingList.objects.filter(pk=ranking.pk).update(methodology_text="schema: nonsense")
    job = jobs.run_next("test")
    assert job.status == Job.Status.FAILED
    assert "MethodologyError" in job.error
    ranking.refresh_from_db()
    assert ranking.status == RankingList.Status.FAILED
    assert not ranking.entries.exists()


def test_the_uncertainty_analysis_gives_every_rank_its_band(survey_population, personas):
    ranking = service.start(
        year=2024, actor=Actor.of(personas["admin"]), top_n=20, samples=40, seed=7
    )
    assert ranking.uncertainty == {"samples": 40, "seed": 7}
    jobs.run_next("test")
    ranking.refresh_from_db()
    ranked = list(ranking.entries.filter(rank__isnull=False))
    for e in ranked:
        assert e.rank_p05 <= e.median_rank <= e.rank_p95
        assert 0.0 <= e.p_top <= 1.0
    # P(top 20) agrees with the bands: certain when the whole band is inside, nil when outside
    for e in ranked:
        if e.rank_p95 <= 20:
            assert e.p_top >= 0.95
        if e.rank_p05 > 20:
            assert e.p_top <= 0.05
    sobol = ranking.summary["uncertainty"]["sobol"]
    assert set(sobol) == {"weights", "treatment", "normalisation", "aggregation"}
    assert all(s["total"] >= 0 for s in sobol.values())


def test_the_same_seed_gives_the_same_bands(survey_population, personas):
    bands = []
    for _ in range(2):
        ranking = service.start(
            year=2024, actor=Actor.of(personas["admin"]), top_n=20, samples=30, seed=3
        )
        jobs.run_next("test")
        bands.append(
            list(
                ranking.entries.filter(rank__isnull=False)
                .order_by("uscc")
                .values_list("median_rank", "rank_p05", "rank_p95", "p_top")
            )
        )
    assert bands[0] == bands[1]


def test_no_analysis_when_asked_for_none(survey_population, personas):
    ranking = service.start(year=2024, actor=Actor.of(personas["admin"]), samples=0)
    jobs.run_next("test")
    ranking.refresh_from_db()
    assert ranking.summary["uncertainty"] is None
    assert not ranking.entries.filter(p_top__isnull=False).exists()


def test_the_demo_publishes_the_latest_two_years_once(survey_population):
    from eco311.demo import publish_demo_rankings

    publish_demo_rankings()
    published = RankingList.objects.filter(status=RankingList.Status.PUBLISHED)
    assert sorted(published.values_list("year", "version")) == [(2023, 1), (2024, 1)]
    newer = published.get(year=2024)
    assert newer.entries.exclude(previous_rank=None).exists()  # movement since 2023
    assert newer.entries.exclude(p_top=None).exists()  # the file's uncertainty analysis ran

    publish_demo_rankings()
    assert RankingList.objects.count() == 2
