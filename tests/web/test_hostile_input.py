"""Hostile or careless input: control characters, NUL bytes, huge notes and attachments.

Each is refused with a clear message in the user's language, never a server error, and
nothing is stored.
"""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from eco311.accounts.models import ApiToken
from eco311.enterprises import kpis
from eco311.plans.models import ProgressReport, Target

pytestmark = pytest.mark.django_db


@pytest.fixture
def target(personas):
    unit = personas["dept"].membership.unit
    return (
        Target.objects.filter(kind="numeric", unit_links__unit=unit, is_active=True)
        .exclude(key__in=kpis.bound("shandong-311"))
        .select_related("plan")
        .first()
    )


def _report(client, target, **extra):
    url = f"/plans/{target.plan.key}/targets/{target.key}/report/"
    data = {"period_kind": "year", "year": 2024, "index": 1, "value": "5", **extra}
    return client.post(url, data)


def _reports(target):
    return ProgressReport.objects.filter(target=target).count()


def test_the_settings_have_their_documented_defaults():
    assert settings.ECO311_MAX_ATTACHMENT_MB == 20
    assert settings.ECO311_MAX_NOTE_CHARS == 2000
    assert settings.ECO311_MIN_PUBLIC_ENTERPRISES == 3


def test_a_control_character_in_a_note_is_refused_with_its_place(target, client_for):
    before = _reports(target)
    response = _report(client_for("dept"), target, note="ok\x07bell")
    assert response.status_code == 400
    body = response.content.decode()
    assert "U+0007" in body and "3" in body
    assert "控制字符" in body or "control character" in body
    assert _reports(target) == before
    assert _report(client_for("dept"), target, note="两行\r\n\t缩进").status_code == 302


def test_a_nul_byte_anywhere_is_a_400_with_a_message(target, client_for):
    before = _reports(target)
    response = _report(client_for("dept"), target, note="a\x00b")
    assert response.status_code == 400
    assert "U+0000" in response.content.decode()
    assert _reports(target) == before
    assert client_for("public").get("/plans/?q=\x00").status_code == 400


def test_a_note_longer_than_the_limit_is_refused(target, client_for):
    before = _reports(target)
    response = _report(client_for("dept"), target, note="长" * (settings.ECO311_MAX_NOTE_CHARS + 1))
    assert response.status_code == 400
    assert str(settings.ECO311_MAX_NOTE_CHARS) in response.content.decode()
    assert _reports(target) == before
    ok = _report(client_for("dept"), target, note="长" * settings.ECO311_MAX_NOTE_CHARS)
    assert ok.status_code == 302


@override_settings(ECO311_MAX_ATTACHMENT_MB=1)
def test_an_attachment_over_the_limit_is_refused(target, client_for):
    before = _reports(target)
    big = SimpleUploadedFile("scan.pdf", b"%PDF" + b"0" * (1024 * 1024 + 1), "application/pdf")
    response = _report(client_for("dept"), target, attachment=big)
    assert response.status_code == 400
    body = response.content.decode()
    assert "1 MB" in body or "1 兆" in body or "1MB" in body
    assert _reports(target) == before


@pytest.mark.parametrize("name", ["tools.zip", "notes.txt", "run.exe", "page.html"])
def test_only_documents_and_images_are_attached(target, client_for, name):
    before = _reports(target)
    response = _report(client_for("dept"), target, attachment=SimpleUploadedFile(name, b"x"))
    assert response.status_code == 400
    assert ".pdf" in response.content.decode()
    assert _reports(target) == before


@pytest.mark.parametrize("name", ["scan.pdf", "photo.JPG", "table.xlsx"])
def test_a_document_or_an_image_is_attached(target, client_for, name):
    response = _report(client_for("dept"), target, attachment=SimpleUploadedFile(name, b"x"))
    assert response.status_code == 302


def test_the_api_refuses_control_characters_and_nul(personas, client):
    token = ApiToken.issue(personas["admin"], "test")[1]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    bad = client.get("/api/enterprises", {"q": "x\x01"}, **headers)
    assert bad.status_code == 422
    assert "U+0001" in bad.content.decode()
    nul = client.get("/api/enterprises", {"q": "x\x00"}, **headers)
    assert nul.status_code == 400 and "U+0000" in nul.json()["detail"]
    assert client.get("/api/enterprises", {"q": "济南"}, **headers).status_code == 200
