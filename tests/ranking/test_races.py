"""Publishing and discarding one ranking list at the same moment: exactly one decision
applies, so a published list is never discarded; the other is told it was already decided."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from eco311.accounts.scopes import Actor
from eco311.ranking import service
from eco311.ranking.models import RankingList

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL; SQLite serialises"
)


def _draft(year: int = 2024) -> RankingList:
    """A computed list awaiting review (its entries do not matter to the decision)."""
    text = service.methodology_text()
    return RankingList.objects.create(
        year=year,
        status=RankingList.Status.DRAFT,
        methodology_key=service.METHODOLOGY_KEY,
        methodology_name_zh="测试",
        methodology_name_en="test",
        methodology_text=text,
        methodology_sha256=hashlib.sha256(text.encode()).hexdigest(),
    )


def _stale_copies(ranking, n=2):
    return [RankingList.objects.get(pk=ranking.pk) for _ in range(n)]


def _already_decided(outcome) -> bool:
    return isinstance(outcome, ValidationError) and outcome.error_list[0].code == (
        "already_decided"
    )


@pytest.mark.django_db
def test_a_list_published_meanwhile_is_not_discarded(personas):
    admin = Actor.of(personas["admin"])
    ranking = _draft()
    first, second = _stale_copies(ranking)
    service.publish(first, actor=admin)
    with pytest.raises(ValidationError) as exc:
        service.discard(second, actor=admin)
    assert _already_decided(exc.value)
    with pytest.raises(ValidationError) as exc:
        service.publish(second, actor=admin)
    assert _already_decided(exc.value)
    stored = RankingList.objects.get(pk=ranking.pk)
    assert (stored.status, stored.version) == (RankingList.Status.PUBLISHED, 1)


@pytest.mark.django_db
def test_a_list_discarded_meanwhile_is_not_published(personas):
    admin = Actor.of(personas["admin"])
    ranking = _draft()
    first, second = _stale_copies(ranking)
    service.discard(first, actor=admin)
    with pytest.raises(ValidationError) as exc:
        service.publish(second, actor=admin)
    assert _already_decided(exc.value)
    assert RankingList.objects.get(pk=ranking.pk).status == RankingList.Status.DISCARDED


@on_postgresql
@pytest.mark.usefixtures("restores_session_data")
class TestPublishAndDiscardAtOnce:
    @pytest.mark.django_db(transaction=True)
    def test_only_one_of_publish_and_discard_applies(self, personas, race):
        admin = Actor.of(personas["admin"])
        ranking = _draft()
        a, b = _stale_copies(ranking)
        outcomes = race(
            lambda: service.publish(a, actor=admin), lambda: service.discard(b, actor=admin)
        )
        won = [o for o in outcomes if isinstance(o, RankingList)]
        assert len(won) == 1, outcomes
        assert sum(_already_decided(o) for o in outcomes) == 1, outcomes
        stored = RankingList.objects.get(pk=ranking.pk)
        assert stored.status == won[0].status
        if stored.status == RankingList.Status.PUBLISHED:
            assert stored.version == 1
        else:
            assert stored.status == RankingList.Status.DISCARDED and stored.version is None


@on_postgresql
@pytest.mark.usefixtures("restores_session_data")
class TestTwoDraftsPublishedAtOnce:
    @pytest.mark.django_db(transaction=True)
    def test_two_drafts_of_a_year_get_different_versions(self, personas, race):
        admin = Actor.of(personas["admin"])
        one, two = _draft(), _draft()
        outcomes = race(
            lambda: service.publish(one, actor=admin), lambda: service.publish(two, actor=admin)
        )
        assert all(isinstance(o, RankingList) for o in outcomes), outcomes
        versions = sorted(RankingList.objects.filter(year=2024).values_list("version", flat=True))
        assert versions == [1, 2]
