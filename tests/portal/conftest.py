from __future__ import annotations

import pytest

from . import catalogue as data


@pytest.fixture
def catalogue(agencies):
    """Four published procedures, one 'published, amended', a draft and an abolished one."""
    return data.build(agencies)
