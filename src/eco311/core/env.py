"""Typed helpers for reading settings from environment variables (healthchecks style)."""

import os


def envbool(name: str, default: str) -> bool:
    return os.getenv(name, default).strip().lower() in ("1", "true", "yes", "on")


def envstr(name: str, default: str) -> str:
    return os.getenv(name, default)
