"""English is available for every page: the catalogue has no message left untranslated or fuzzy (a fuzzy
entry is not compiled, so its page would show Vietnamese in English)."""

from pathlib import Path

from babel.messages.pofile import read_po

import motcua

CATALOGUE = Path(motcua.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_every_message_has_its_english():
    with CATALOGUE.open("rb") as f:
        catalog = read_po(f, locale="en")
    missing = [m.id for m in catalog if m.id and (not m.string or "fuzzy" in m.flags)]
    assert missing == []
