"""The search index and its scoping (search/index.py, search/query.py), on both databases."""

import pytest

from eco311.accounts.scopes import Actor
from eco311.enterprises.models import Enterprise, FormerName
from eco311.plans.models import ProgressReport, Target
from eco311.search import index
from eco311.search.index import Document, Field
from eco311.search.models import SearchEntry
from eco311.search.query import best_field, search
from eco311.search.tokenise import parse, runs
from eco311.supervision.models import Notice, NoticeAudience

pytestmark = pytest.mark.django_db
QINGDAO = "370200"


def found(actor, text, kind, limit=200):
    results = {r.kind: r for r in search(actor, parse(text), kinds=[kind], limit=limit)}
    return [h.obj.pk for h in results[kind].hits] if kind in results else None


@pytest.fixture
def admin(personas):
    return Actor.of(personas["admin"])


def test_it_finds_an_enterprise_by_a_former_name(factories, admin):
    e = factories.enterprise(name="泉城绿源环境工程有限公司（合成）")
    FormerName.objects.create(enterprise=e, name="济南旧称净水设备厂（合成）")
    assert e.pk in found(admin, "旧称净水", "enterprise")
    hit = next(h for r in search(admin, parse("旧称净水")) for h in r.hits if h.obj.pk == e.pk)
    assert hit.field.label == "former_name"
    assert [p for p, marked in hit.pieces if marked] == ["旧称净水"]


def test_it_finds_an_enterprise_by_a_credit_code_fragment(factories, admin):
    e = factories.enterprise()
    fragment = e.uscc[4:12]
    assert e.pk in found(admin, fragment, "enterprise")
    assert e.pk in found(admin, fragment.lower(), "enterprise")


def test_it_finds_a_word_inside_a_longer_name_and_products(factories, admin):
    e = factories.enterprise(
        name="鲁中城乡污水处理运营有限公司（合成）", main_products="膜生物反应器"
    )
    assert e.pk in found(admin, "污水处理", "enterprise")
    assert e.pk in found(admin, "生物反应", "enterprise")
    assert e.pk not in found(admin, "污水处置", "enterprise")


def test_the_session_population_is_indexed_by_the_bulk_load_hook(admin):
    e = Enterprise.objects.filter(synthetic=True).order_by("pk").first()
    assert SearchEntry.objects.filter(enterprise=e).exists()
    assert e.pk in found(admin, e.uscc[-8:], "enterprise")


def test_a_rename_is_found_by_the_old_and_the_new_name(factories, admin):
    e = factories.enterprise(name="齐鲁碧水环保科技有限公司（合成）")
    e.name = "齐鲁清泉生态环境集团有限公司（合成）"
    e.save()
    assert e.pk in found(admin, "清泉生态", "enterprise")
    assert e.pk in found(admin, "碧水环保", "enterprise")
    pk = e.pk
    e.delete()
    assert not SearchEntry.objects.filter(enterprise_id=pk).exists()
    assert found(admin, "清泉生态", "enterprise") == []


def test_it_finds_a_target_by_words_of_its_source_sentence(personas):
    target = Target.objects.filter(plan__key="shandong-311", is_active=True).order_by("pk")[5]
    phrase = max(runs(target.source), key=len)[2:9]
    assert len(phrase) >= 4
    assert target.pk in found(Actor(), phrase, "target")
    hit = next(
        h
        for r in search(Actor(), parse(phrase), kinds=["target"], limit=200)
        for h in r.hits
        if h.obj.pk == target.pk
    )
    assert "".join(p for p, marked in hit.pieces if marked).casefold() == phrase.casefold()


def test_it_finds_a_target_by_its_key_and_english_wording(personas):
    target = Target.objects.filter(plan__key="shandong-311", is_active=True).order_by("pk")[0]
    assert target.pk in found(Actor(), target.key, "target")
    word = max(target.text_en.split(), key=len).strip(".,;:()")
    assert target.pk in found(Actor(), word, "target")


def test_an_edited_target_is_found_by_its_new_wording(personas):
    target = Target.objects.filter(is_active=True).order_by("pk")[3]
    target.text_en = target.text_en + " zeolitic scrubber"
    target.save()
    assert target.pk in found(Actor(), "zeolitic", "target")
    target.is_active = False
    target.save()
    assert found(Actor(), "zeolitic", "target") == []


def test_a_city_bureau_never_finds_another_citys_enterprise(factories, personas, admin):
    jinan = Actor.of(personas["jinan"])
    mine = factories.enterprise(name="测试甲城蓝天环境有限公司（合成）")
    other = factories.enterprise(QINGDAO, name="测试乙城蓝天环境有限公司（合成）")
    assert found(jinan, "蓝天环境", "enterprise") == [mine.pk]
    assert {mine.pk, other.pk} <= set(found(admin, "蓝天环境", "enterprise"))
    enterprise_user = Actor.of(personas["enterprise"])
    assert found(enterprise_user, "蓝天环境", "enterprise") == []


@pytest.mark.parametrize("who", ["public", "bank"])
def test_the_public_and_banks_find_targets_and_public_notices_only(who, personas, factories):
    actor = Actor() if who == "public" else Actor.of(personas[who])
    factories.enterprise(name="测试丙城彩虹环境有限公司（合成）")
    kinds = {r.kind for r in search(actor, parse("彩虹环境"))}
    assert kinds == {"target", "notice"}


def test_reports_are_found_within_the_targets_one_may_see_the_details_of(personas):
    report = ProgressReport.objects.select_related("target").order_by("pk").first()
    report.note = "沸石转轮现场核查记录"
    report.save()
    admin = Actor.of(personas["admin"])
    assert report.pk in found(admin, "沸石转轮", "report")
    for name in ("jinan", "park", "dept"):
        a = Actor.of(personas[name])
        hits = found(a, "沸石转轮", "report") or []
        assert (report.pk in hits) == a.can_see_details(report.target), name
    assert found(Actor(), "沸石转轮", "report") is None


def _notice(audience, title, **party):
    from django.utils import timezone

    n = Notice.objects.create(
        title=title, body="请各单位按时报送。", audience=audience, published_on=timezone.now()
    )
    if party:
        NoticeAudience.objects.create(notice=n, **party)
    return n


def test_a_chosen_audience_notice_is_found_by_its_audience_only(personas):
    dept = personas["dept"].membership
    chosen = _notice("chosen", "关于沸石吸附专项督办的通知", unit_id=dept.unit_id)
    public = _notice("public", "关于沸石吸附公开征求意见的公告")
    assert found(Actor.of(personas["dept"]), "沸石吸附", "notice") == [chosen.pk, public.pk]
    for name in ("jinan", "park", "bank"):
        assert found(Actor.of(personas[name]), "沸石吸附", "notice") == [public.pk], name
    assert found(Actor(), "沸石吸附", "notice") == [public.pk]
    chosen.withdrawn_on = chosen.published_on
    chosen.save()
    assert found(Actor.of(personas["dept"]), "沸石吸附", "notice") == [public.pk]


def test_title_matches_come_before_body_matches(factories, admin):
    in_body = factories.enterprise(name="测试丁城有限公司（合成）", main_products="琉璃瓦回收")
    in_name = factories.enterprise(name="测试琉璃瓦回收有限公司（合成）")
    hits = found(admin, "琉璃瓦", "enterprise")
    assert hits.index(in_name.pk) < hits.index(in_body.pk)


def test_reindex_rebuilds_what_was_lost_and_writes_nothing_when_up_to_date(factories, admin):
    e = factories.enterprise(name="测试戊城玄武岩纤维有限公司（合成）")
    SearchEntry.objects.filter(enterprise=e).delete()
    assert found(admin, "玄武岩纤维", "enterprise") == []
    index.reindex()
    assert found(admin, "玄武岩纤维", "enterprise") == [e.pk]
    assert index.reindex("enterprise") == {"enterprise": 0}


def test_a_query_with_a_quote_or_operator_is_searched_as_text(admin, factories):
    e = factories.enterprise(name='测试"AND"OR*有限公司（合成）')
    assert e.pk in found(admin, '"AND" OR*', "enterprise")


def test_the_snippet_is_taken_from_the_readers_language_among_equal_matches():
    doc = Document(
        title=[Field("text", "推进 zeolite 工程", "zh"), Field("text", "zeolite works", "en")]
    )
    assert best_field(doc, parse("zeolite"), "en").lang == "en"
    assert best_field(doc, parse("zeolite"), "zh").lang == "zh"
    assert best_field(doc, parse("zeolite 推进"), "en").lang == "zh"  # more terms win


def test_an_import_indexes_new_enterprises_and_renames(tmp_path, factories, personas, admin):
    from eco311.enterprises.importer import import_returns
    from eco311.enterprises.survey.synthetic import PopulationSpec, generate
    from eco311.enterprises.survey.workbook import write_returns_workbook

    population = generate(PopulationSpec(enterprises=20, years=(2024,), seed=11))
    rows = factories.unregistered(list(population.returns(2024)))[:3]
    path = tmp_path / "a.xlsx"
    write_returns_workbook(path, rows, year=2024)
    assert import_returns(path.read_bytes(), year=2024, file_name="a.xlsx").ok
    pk = Enterprise.objects.get(uscc=rows[0]["uscc"]).pk
    assert pk in found(admin, rows[0]["uscc"][-10:], "enterprise")
    old = rows[0]["name"]
    rows[0]["name"] = "测试己城曙光导入更名有限公司（合成）"
    write_returns_workbook(path, rows, year=2024)
    assert import_returns(path.read_bytes(), year=2024, file_name="b.xlsx").ok
    assert found(admin, "曙光导入更名", "enterprise") == [pk]
    assert pk in found(admin, old[:7], "enterprise")  # the city and the trade name


def test_on_postgresql_the_index_holds_the_tokens_as_they_are(factories):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the tsvector column is PostgreSQL's")
    e = factories.enterprise(name="Ａb12 环保-x1y 處理²", main_products="")
    entry = SearchEntry.objects.get(enterprise=e)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_agg(lexeme ORDER BY lexeme) FROM unnest("
            "(SELECT tsv FROM search_searchentry WHERE id = %s))",
            [entry.pk],
        )
        lexemes = cursor.fetchone()[0]
    expected = sorted(set((entry.title_tokens + " brk " + entry.body_tokens).split()))
    assert lexemes == expected
