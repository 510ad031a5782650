"""Log-in throttling through the real log-in form: repeated failures lock the user name from
that address out for a while, with a message on the log-in page, not a bare error page."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override

pytestmark = pytest.mark.django_db

RIGHT = "A-right-password-2025"  # noqa: S105 -- a test password
LOCKED = (
    "Too many failed log-ins for this user name from your address. Logging in is locked for "
    "%(minutes)s minutes: try again later, or ask the platform administrator to unlock the "
    "account."
)


def locked_message(lang):
    """The lockout message as the page must show it in that language (Chinese from the
    catalogue)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    with override(lang):
        return gettext(LOCKED) % {"minutes": minutes}


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("lockme", password=RIGHT)


def _post(client, password, username="lockme", **extra):
    return client.post(
        reverse("login"), {"username": username, "password": password, "next": "/"}, **extra
    )


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_thirty_wrong_passwords_then_the_right_one_does_not_log_in(user):
    client = Client()
    for _ in range(30):
        assert not _logged_in(client)
        _post(client, "wrong-password")
    response = _post(client, RIGHT)
    assert not _logged_in(client)
    assert response.status_code == 429
    body = response.content.decode()
    assert 'data-testid="login-locked"' in body and 'data-testid="login-form"' in body
    assert locked_message("zh-hans") in body  # Chinese first
    assert RIGHT not in body


def test_the_lockout_message_is_in_english_too(user):
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _post(client, "wrong-password")
    body = _post(client, RIGHT).content.decode()
    assert locked_message("en") in body and not _logged_in(client)


def test_fewer_failures_than_the_limit_still_let_the_right_password_in(user):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _post(client, "wrong-password")
        assert response.status_code == 200  # the ordinary "did not match" form
    response = _post(client, RIGHT)
    assert response.status_code == 302 and _logged_in(client)
    # A success clears the count: the next mistakes start again from zero.
    assert not AccessAttempt.objects.filter(username="lockme").exists()


def test_the_lockout_is_for_that_user_name_from_that_address(user, django_user_model):
    django_user_model.objects.create_user("neighbour", password=RIGHT)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _post(Client(), "wrong-password", REMOTE_ADDR="10.0.0.9")
    locked = Client()
    assert _post(locked, RIGHT, REMOTE_ADDR="10.0.0.9").status_code == 429
    # Another user behind the same address, and the same user elsewhere, log in.
    other_user = Client()
    assert _post(other_user, RIGHT, username="neighbour", REMOTE_ADDR="10.0.0.9").status_code == 302
    elsewhere = Client()
    assert _post(elsewhere, RIGHT, REMOTE_ADDR="10.0.0.10").status_code == 302
    assert _logged_in(other_user) and _logged_in(elsewhere) and not _logged_in(locked)


def test_after_the_cool_off_the_right_password_logs_in(user):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _post(client, "wrong-password")
    assert _post(client, RIGHT).status_code == 429
    past = timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    AccessAttempt.objects.filter(username="lockme").update(attempt_time=past)
    assert _post(client, RIGHT).status_code == 302 and _logged_in(client)


def test_authenticate_without_a_request_is_not_throttled(user):
    """The test client's login() and management commands call authenticate() with no request;
    axes would raise, and no one outside can reach them."""
    assert Client().login(username="lockme", password=RIGHT)
    assert not Client().login(username="lockme", password="wrong-password")


def test_password_validators_want_ten_characters_and_not_common_or_numeric_ones(user):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("Short-1a", "1234567890123", "password123", "lockme-2025"):
        with pytest.raises(ValidationError):
            validate_password(weak, user)
    validate_password("Huanbao-Qingdao-311", user)  # a good one passes
