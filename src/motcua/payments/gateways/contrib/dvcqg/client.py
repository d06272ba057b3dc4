"""HTTP client of the national payment platform (contract §8): INIT and QUERY. (Being built: ADR 0029.)"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from motcua.payments.gateways import GatewayError, Order

# MaLoi values of a QUERY answer that mean "no outcome yet" (the payer is still on the page).
PENDING_CODES = frozenset({"01"})


def init(order: Order) -> str:
    raise GatewayError("payment platform client not built yet")


def query(reference: str, at: datetime) -> dict[str, Any]:
    raise GatewayError("payment platform client not built yet")
