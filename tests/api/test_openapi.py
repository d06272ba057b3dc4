"""The OpenAPI document tells the truth: one schema per name, every error documented, real answers conform."""

from __future__ import annotations

import enum
import typing
from collections import defaultdict

import pytest
import schemathesis
from pydantic import BaseModel
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from motcua.access.auth import OptionalAuth
from motcua.api.router import api
from motcua.wsgi import application
from tests.api import world as world_module
from tests.api.wsgi import detached_request_signals
from tests.dossiers.conftest import procedure  # noqa: F401 - fixture

WRITES = {"post", "put", "patch", "delete"}


def document() -> dict:
    return api.get_openapi_schema()


def operations(doc: dict):
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def _classes_in(annotation, found: set) -> None:
    """Every pydantic model and enum reachable from a type annotation."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in found:
            return
        found.add(annotation)
        for f in annotation.model_fields.values():
            _classes_in(f.annotation, found)
        return
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        found.add(annotation)
        return
    for arg in typing.get_args(annotation):
        _classes_in(arg, found)


def schema_classes() -> dict[str, set[type]]:
    """Name -> the Python classes the API's operations use under that name (inputs and outputs)."""
    found: set[type] = set()
    for bound in api._get_bound_routers():  # no public iterator over operations in ninja 1.7
        for view in bound.path_operations.values():
            for op in view.operations:
                for wrapper in [*op.models, *(m for m in op.response_models.values() if m)]:
                    if isinstance(wrapper, type) and issubclass(wrapper, BaseModel):
                        for f in wrapper.model_fields.values():
                            _classes_in(f.annotation, found)
    names = defaultdict(set)
    for cls in found:
        names[cls.__name__].add(cls)
    return names


def refs(node) -> set[str]:
    if isinstance(node, dict):
        out = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            out |= refs(value)
        return out
    if isinstance(node, list):
        return set().union(*(refs(v) for v in node)) if node else set()
    return set()


def test_each_schema_name_in_the_openapi_document_is_one_python_class():
    doc = document()
    components = doc["components"]["schemas"]
    names = schema_classes()
    shared = {name: sorted(f"{c.__module__}.{c.__qualname__}" for c in cls) for name, cls in names.items()}
    assert {n: c for n, c in shared.items() if n in components and len(c) > 1} == {}
    # Every reference resolves, and every component is one of those classes (the walk saw them all).
    assert {r.rsplit("/", 1)[-1] for r in refs(doc)} - set(components) == set()
    assert set(components) - set(names) - {"ErrorOut"} == set()


def test_every_operation_documents_the_errors_of_the_edge():
    for path, method, operation in operations(document()):
        documented = set(operation["responses"])
        security = operation.get("security") or []
        where = f"{method.upper()} {path}"
        if security and not any(OptionalAuth.__name__ in s for s in security):
            assert 401 in documented, where
        if operation.get("parameters") or operation.get("requestBody"):
            assert 422 in documented, where
        if method in WRITES:
            assert {400, 409, 413} <= documented, where
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (where, status)


@pytest.fixture
def world(people, procedure, api_as):  # noqa: F811
    clients = {name: api_as(user) for name, user in people.items()}
    return world_module.build(clients), clients


def national_record(code: str) -> str:
    """The procedure as if imported from the national database, whose name there differs (ADR 0024)."""
    from django.utils import timezone

    from motcua.catalog.models import NationalRecord, Procedure

    NationalRecord.objects.get_or_create(
        procedure=Procedure.objects.get(code=code),
        defaults={"source": "portal", "record": {"name": "Tên theo CSDLQG"}, "imported_at": timezone.now()},
    )
    return code


def receiving_account(code: str) -> str:
    """The account the dossier's fees are collected on (ADR 0030), entered by the administrator."""
    from motcua.dossiers.models import Dossier
    from motcua.payments.models import ReceivingAccount

    ReceivingAccount.objects.get_or_create(
        agency=Dossier.objects.get(code=code).agency,
        defaults={
            "bank_bin": "970436",
            "bank_name": "Vietcombank",
            "account_number": "0101000001001",
            "account_name": "SO TU PHAP TINH NGHE AN",
            "receipt_series": "AA-26E",
        },
    )
    return code


def get_examples(w: world_module.World) -> dict[str, list[tuple[str, dict]]]:
    """Real parameters for every GET operation, and who asks: an answer with content for each."""
    code = w.dossiers["waiting"]
    released = w.dossiers["releasing"]
    return {
        "/api/v1/procedures": [("anonymous", {}), ("anonymous", {"query": {"q": "khai sinh"}})],
        "/api/v1/procedures/{code}": [("anonymous", {"path_parameters": {"code": w.procedure}})],
        "/api/v1/procedures/{code}/versions/{number}": [
            ("anonymous", {"path_parameters": {"code": w.procedure, "number": 1}})
        ],
        "/api/v1/fields": [("anonymous", {})],
        "/api/v1/catalog/completeness": [("tiepnhan", {}), ("tiepnhan", {"query": {"national": "true"}})],
        "/api/v1/procedures/{code}/national-diff": [
            ("tiepnhan", {"path_parameters": {"code": national_record(w.procedure)}})
        ],
        "/api/v1/reports/dvcqg-sync": [("tiepnhan", {}), ("admin", {})],
        "/api/v1/reports/dvcqg-sync/pending": [("tiepnhan", {"query": {"limit": 1}})],
        "/api/v1/reports/online-payment": [
            ("tiepnhan", {}),
            ("admin", {"query": {"by": "procedure", "agency": "000.00.15.H40"}}),
        ],
        "/api/v1/agencies": [("anonymous", {})],
        "/api/v1/agencies/{identifier}": [
            ("anonymous", {"path_parameters": {"identifier": "000.00.15.H40"}})
        ],
        "/api/v1/admin-units": [("anonymous", {})],
        "/api/v1/tokens": [("tiepnhan", {}), ("congdan", {})],
        "/api/v1/admin-units/{code}": [("anonymous", {"path_parameters": {"code": "40"}})],
        "/api/v1/dossiers": [("congdan", {}), ("tiepnhan", {}), ("chuyenvien", {})],
        "/api/v1/dossiers/queue": [("tiepnhan", {}), ("chuyenvien", {}), ("congdan", {})],
        "/api/v1/dossiers/{code}": [
            ("tiepnhan", {"path_parameters": {"code": c}}) for c in w.dossiers.values()
        ],
        "/api/v1/dossiers/{code}/events": [("congdan", {"path_parameters": {"code": code}})],
        "/api/v1/dossiers/{code}/payment": [
            (who, {"path_parameters": {"code": c}})
            for who in ("congdan", "tiepnhan")
            for c in (w.dossiers["new"], w.dossiers["processing"])
        ],
        "/api/v1/dossiers/{code}/files": [("congdan", {"path_parameters": {"code": w.file_dossier}})],
        "/api/v1/dossiers/{code}/files/{file_id}": [
            ("congdan", {"path_parameters": {"code": w.file_dossier, "file_id": w.file_id}})
        ],
        "/api/v1/dossiers/{code}/forms/{number}": [
            ("chuyenvien", {"path_parameters": {"code": code, "number": n}, "query": q})
            for n in ("01", "02", "05")
            for q in ({}, {"format": "json"})
        ],
        "/api/v1/dossiers/{code}/results": [("congdan", {"path_parameters": {"code": released}})],
        "/api/v1/dossiers/{code}/results/{result_code}/file": [
            ("congdan", {"path_parameters": {"code": released, "result_code": f"{released}-KQ1"}})
        ],
        "/api/v1/results/{code}/verify": [("anonymous", {"path_parameters": {"code": f"{released}-KQ1"}})],
        "/api/v1/dossiers/{code}/payment/vietqr.png": [
            ("congdan", {"path_parameters": {"code": receiving_account(w.dossiers["receiving"])}})
        ],
        "/api/v1/forms/06": [
            ("tiepnhan", {"query": {"agency": "000.00.00.H40", "format": f}}) for f in ("pdf", "xlsx")
        ],
    }


def payment_examples(clients) -> dict[str, list[tuple[str, dict]]]:
    """A counter dossier whose fee was paid in cash, with its receipt numbered (ADR 0031): the collecting
    agency's receipt series has no API, it is set up as an administrator would."""
    from motcua.directory.models import Agency
    from motcua.payments.models import ReceivingAccount
    from tests.dossiers.conftest import submission

    ReceivingAccount.objects.get_or_create(
        agency=Agency.objects.get(identifier="000.00.15.H40"),
        defaults={
            "bank_bin": "970415",
            "bank_name": "VietinBank",
            "account_number": "1",
            "account_name": "SO TU PHAP",
            "receipt_series": "AA-26E",
        },
    )
    code = clients["tiepnhan"].post("/dossiers", submission(channel=1)).json()["code"]
    paid = clients["tiepnhan"].post(f"/dossiers/{code}/actions/pay", {"method": "cash"})
    assert paid.status_code == 200, paid.content
    [payment] = clients["congdan"].get(f"/dossiers/{code}/payments").json()["items"]
    return {
        "/api/v1/dossiers/{code}/payments": [("congdan", {"path_parameters": {"code": code}})],
        "/api/v1/payments/{payment_id}/receipt": [
            ("congdan", {"path_parameters": {"payment_id": payment["id"]}})
        ],
    }


@pytest.mark.django_db
def test_real_answers_of_every_get_operation_match_their_documented_schema(world, people, api_as):
    w, clients = world
    examples = {**get_examples(w), **payment_examples(clients)}
    doc = document()
    gets = {path for path, method, _ in operations(doc) if method == "get"}
    assert gets - set(examples) == set(), "give the new GET operation an example here"
    schema = schemathesis.openapi.from_dict(doc)
    with detached_request_signals():
        for path, cases in examples.items():
            for who, kwargs in cases:
                token = clients[who].headers.get("HTTP_AUTHORIZATION") if who in clients else None
                case = schema[path]["GET"].Case(headers={"Authorization": token} if token else {}, **kwargs)
                response = case.call(app=application)
                assert response.status_code == 200, (path, kwargs, response.text[:500])
                case.validate_response(
                    response,
                    checks=[response_schema_conformance, status_code_conformance, content_type_conformance],
                )
