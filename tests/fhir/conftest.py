"""The FHIR tests' validator and records.

The validator is HL7's published FHIR R4 JSON Schema (tests/fixtures/fhir-r4/README.md) read
with jsonschema, already a dependency of mdtapp. Two details of how it is applied, both kept
equivalent to the published schema:

- The schema's `ResourceList` is a `oneOf` over all 146 resource definitions, so a bundle
  is checked against every definition for every entry (80 s for one demo patient). Every
  definition fixes its `resourceType` with `const`, so at most one can match: here each
  resource (entries and contained ones alike) is checked against its own definition, and
  `ResourceList` only requires a known `resourceType` (0.1-0.3 s a patient).
- JSON Schema cannot say what FHIR says with cardinality on primitives and choice types: the
  schema leaves `Observation.status` (1..1) optional, because a primitive may be present as
  `_status` alone, and cannot say that only one `value[x]` may be present. `R4_RULES` adds
  those two rules for the resource types mdtapp writes, from the R4 resource pages.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft6Validator

SCHEMA = Path(__file__).parents[1] / "fixtures" / "fhir-r4" / "fhir.schema.json.gz"
SCHEMA_SHA256 = "92c2b35f7e2bb559b2a2580a2a99bb0f6a99cd51bc34f1bbf705baf1109e5e25"
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
PASSWORD = "ada-passphrase-1"

# R4 elements of cardinality 1..1 that the JSON Schema cannot require (primitives and
# choices), for the resource types and parts mdtapp writes; from hl7.org/fhir/R4/<type>.html
R4_RULES: dict[str, tuple[str, ...]] = {
    "Bundle": ("type",),
    "CodeSystem": ("status", "content"),
    "Questionnaire": ("status",),
    "QuestionnaireResponse": ("status",),
    "Observation": ("status",),
    "MedicationRequest": ("status", "intent", "medication[x]"),
    "MedicationAdministration": ("status", "medication[x]", "effective[x]"),
    "Provenance": ("recorded",),
}
# choice elements ([x]): at most one of the types may be present on one object
CHOICE = re.compile(r"^(value|effective|medication|dose|deceased|multipleBirth)[A-Z]")


@cache
def r4_schema() -> dict[str, Any]:
    raw = gzip.decompress(SCHEMA.read_bytes())
    assert hashlib.sha256(raw).hexdigest() == SCHEMA_SHA256, "not the R4 schema recorded"
    schema: dict[str, Any] = json.loads(raw)
    assert schema["id"] == "http://hl7.org/fhir/json-schema/4.0"
    return schema


@cache
def _validator(resource_type: str) -> Draft6Validator:
    schema = r4_schema()
    definitions = dict(schema["definitions"])
    names = sorted(schema["discriminator"]["mapping"])
    definitions["ResourceList"] = {
        "type": "object",
        "required": ["resourceType"],
        "properties": {"resourceType": {"enum": names}},
    }
    if resource_type not in definitions:
        raise AssertionError(f"{resource_type!r} is not an R4 resource type")
    return Draft6Validator({"$ref": f"#/definitions/{resource_type}", "definitions": definitions})


def resources_in(document: Any) -> Iterator[dict[str, Any]]:
    """Every resource in a document: the bundle, its entries, and contained resources."""
    if isinstance(document, dict):
        if "resourceType" in document:
            yield document
        for value in document.values():
            yield from resources_in(value)
    elif isinstance(document, list):
        for value in document:
            yield from resources_in(value)


def _objects(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _objects(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _objects(value, f"{path}[{i}]")


def r4_problems(document: dict[str, Any]) -> list[str]:
    """Every way `document` (a resource, or a bundle) breaks the FHIR R4 definitions checked
    here; empty when it conforms."""
    problems = []
    for resource in resources_in(document):
        kind = resource["resourceType"]
        where = f"{kind}/{resource.get('id', '?')}"
        for error in _validator(kind).iter_errors(resource):
            path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path)
            problems.append(f"{where}{path}: {error.message[:200]}")
        for element in R4_RULES.get(kind, ()):
            if element.endswith("[x]"):
                stem = element[:-3]
                present = [k for k in resource if re.match(rf"^{stem}[A-Z]", k)]
            else:
                present = [element] if element in resource else []
            if not present:
                problems.append(f"{where}: {element} is required (1..1)")
    for path, node in _objects(document, "$"):
        groups: dict[str, list[str]] = {}
        for key in node:
            match = CHOICE.match(key)
            if match and key != "valueSet":
                groups.setdefault(match.group(1), []).append(key)
        problems.extend(
            f"{path}: only one {stem}[x] may be present; got {', '.join(keys)}"
            for stem, keys in groups.items()
            if len(keys) > 1
        )
    return problems


def entries(bundle: dict[str, Any], kind: str | None = None) -> list[dict[str, Any]]:
    return [
        e["resource"]
        for e in bundle["entry"]
        if kind is None or e["resource"]["resourceType"] == kind
    ]


def by_url(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["fullUrl"]: e["resource"] for e in bundle["entry"]}


def clock() -> datetime:
    return NOW


@pytest.fixture
def signing_store(tmp_path: Path):
    """A plaintext database with one account, Dr Ada (administrator, clinician and pharmacist),
    who signs."""
    from mdtapp.store import access

    created = access.create_database(
        tmp_path / "fhir.db",
        username="ada",
        display_name="Dr Ada",
        password=PASSWORD,
        plaintext=True,
        clock=clock,
    )
    store = created.store
    store.set_roles("ada", ["admin", "clinician", "pharmacist"])
    store.principal = store.account("ada").principal
    yield store
    store.close()


def sign_everything(store: Any, patient_uid: str) -> None:
    file = store.load(patient_uid)
    for kind in ("assessments", "decisions"):
        for saved in getattr(file, kind):
            if not store.signatures(kind, saved.uid, saved.version):
                store.sign(kind, saved.uid, saved.version, PASSWORD)
