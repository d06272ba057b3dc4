"""The workspace's browser tests share the portal's Chromium (Debian's, one per module)."""

from tests.portal.test_browser import browser  # noqa: F401 - fixture
