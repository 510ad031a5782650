"""Chinese first, English complete: the catalogue is whole, compiled and used."""

from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[1] / "src" / "eco311" / "locale"
ZH = LOCALE / "zh_Hans" / "LC_MESSAGES"


def test_every_message_has_a_chinese_translation():
    po = polib.pofile(str(ZH / "django.po"))
    missing = [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    assert missing == []
    assert len(po) > 200


def test_the_compiled_catalogue_matches_the_source():
    po = {
        e.msgid: e.msgstr
        for e in polib.pofile(str(ZH / "django.po"))
        if not e.obsolete and not e.msgid_plural
    }
    mo = {e.msgid: e.msgstr for e in polib.mofile(str(ZH / "django.mo")) if not e.msgid_plural}
    assert {k: v for k, v in po.items() if k} == {k: v for k, v in mo.items() if k}


def test_placeholders_survive_translation():
    for e in polib.pofile(str(ZH / "django.po")):
        if e.msgstr:
            for token in ("%(", "%s"):
                assert e.msgid.count(token) == e.msgstr.count(token), e.msgid


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/plans/", "/plans/shandong-311/", "/areas/", "/accounts/login/"]
)
def test_chinese_pages_show_no_untranslated_interface_text(client, path):
    """No msgid of the catalogue appears untranslated on a Chinese page (plan data aside)."""
    body = client.get(path).content.decode()
    po = polib.pofile(str(ZH / "django.po"))
    leaked = [
        e.msgid
        for e in po
        if e.msgstr
        and e.msgstr != e.msgid
        and len(e.msgid) > 12
        and " " in e.msgid
        and f">{e.msgid}<" in body
    ]
    assert leaked == []
