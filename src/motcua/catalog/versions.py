"""Published versions of procedures, as the dossiers read them (cached per process).

Published versions are immutable snapshots (`catalog.services.snapshot` only ever adds one): their record
(a large JSON document) is decoded once per process, not on every dossier action. Keys: version id, and
(procedure id, Procedure.version) for "the latest version". Any version written or deleted in this
process drops the cache (test databases roll back and reuse ids on SQLite); other processes only add
versions with new ids and a new Procedure.version, so an entry never goes stale.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from .models import Procedure, ProcedureVersion

# Procedures in these states take dossiers.
PUBLISHED = (Procedure.PublicationState.PUBLISHED, Procedure.PublicationState.PUBLISHED_AMENDED)
# Offered as an online public service (partly or fully): citizens may file them online.
ONLINE = (Procedure.OnlineLevel.FULL, Procedure.OnlineLevel.PARTIAL)

_VERSIONS: dict[int, ProcedureVersion] = {}
_LATEST: dict[tuple[int, int], ProcedureVersion] = {}
_CACHE_MAX = 2048


def forget_versions(*args: Any, **kwargs: Any) -> None:
    _VERSIONS.clear()
    _LATEST.clear()


post_save.connect(forget_versions, sender=ProcedureVersion, dispatch_uid="motcua.catalog.versions.save")
post_delete.connect(forget_versions, sender=ProcedureVersion, dispatch_uid="motcua.catalog.versions.delete")


def _remember(version: ProcedureVersion) -> ProcedureVersion:
    if len(_VERSIONS) >= _CACHE_MAX:
        forget_versions()
    _VERSIONS[version.pk] = version
    return version


def version_by_id(version_id: int) -> ProcedureVersion:
    """The version row (shared, read-only: never change or save it)."""
    version = _VERSIONS.get(version_id)
    return version if version is not None else _remember(ProcedureVersion.objects.get(pk=version_id))


def latest_version(procedure: Procedure) -> ProcedureVersion | None:
    """The procedure's newest version: cached while `Procedure.version` still names it."""
    key = (procedure.pk, procedure.version)
    version = _LATEST.get(key)
    if version is not None:
        return version
    version = procedure.versions.order_by("-number").first()
    if version is not None and version.number == procedure.version:
        _LATEST[key] = _remember(version)
    return version
