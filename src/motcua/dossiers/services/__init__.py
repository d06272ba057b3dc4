"""The write side of dossiers: intake (`submit_dossier`) and lifecycle actions (`perform`).

Each call validates its typed input (422), checks visibility (404), role (403) and state (409) through
the machine table, then in ONE transaction updates the row, appends one `DossierEvent` and enqueues one
outbox message. A refused call changes nothing. Every function takes `at` (the clock) so that tests and
the demo history can drive time.
"""

from __future__ import annotations

from .events import actor_name
from .intake import now, submit_dossier
from .lock import lock
from .perform import perform

__all__ = ["actor_name", "lock", "now", "perform", "submit_dossier"]
