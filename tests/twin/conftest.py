"""Fixtures the twin's rule tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from twin.config import TwinSettings, get_settings, install_settings


@pytest.fixture
def settings() -> Iterator[TwinSettings]:
    """Default twin settings for the test, the previous ones restored after it."""
    before = get_settings()
    s = install_settings(TwinSettings())
    yield s
    install_settings(before)
