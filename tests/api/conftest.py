"""API fixtures: a bearer token per persona (the enterprise population is in tests/conftest.py)."""

import pytest


@pytest.fixture
def token_for(personas):
    """Request headers with a fresh bearer token of the named persona ({} for 'public')."""
    from eco311.accounts.models import ApiToken

    def make(name):
        if name == "public":
            return {}
        return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(personas[name], 'test')[1]}"}

    return make
