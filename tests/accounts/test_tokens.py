"""API tokens on the account page: created for oneself, revoked only by their owner."""

import pytest
from django.conf import settings
from django.contrib.messages import get_messages

from eco311.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def _english(client):
    """The interface in English: the language cookie (the browser's Accept-Language is not
    used, Chinese is the platform's first language)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_it_revokes_ones_own_token(client_for, personas):
    token, raw = ApiToken.issue(personas["dept"], "mine")
    response = _english(client_for("dept")).post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert _messages(response) == ["Token revoked."]
    token.refresh_from_db()
    assert token.revoked
    assert ApiToken.lookup(raw) is None


def test_it_does_not_revoke_someone_elses_token_nor_say_so(client_for, personas):
    token, raw = ApiToken.issue(personas["admin"], "the administrator's")
    response = _english(client_for("jinan")).post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    messages = _messages(response)
    assert messages and "Token revoked." not in messages
    assert "nothing was revoked" in messages[0]
    token.refresh_from_db()
    assert not token.revoked
    assert ApiToken.lookup(raw) == token


def test_an_unknown_or_already_revoked_token_is_not_found(client_for, personas):
    token, _raw = ApiToken.issue(personas["dept"], "old")
    c = _english(client_for("dept"))
    c.post(f"/accounts/tokens/{token.pk}/revoke/", follow=True)  # shows (uses up) its message
    again = c.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert "nothing was revoked" in _messages(again)[0]
    c.get("/accounts/")
    unknown = c.post(f"/accounts/tokens/{token.pk + 10_000}/revoke/")
    assert "nothing was revoked" in _messages(unknown)[0]


def test_revoking_needs_the_csrf_token(personas):
    from django.test import Client

    token, _raw = ApiToken.issue(personas["dept"], "mine")
    c = Client(enforce_csrf_checks=True)
    c.force_login(personas["dept"])
    assert c.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 403
    token.refresh_from_db()
    assert not token.revoked
