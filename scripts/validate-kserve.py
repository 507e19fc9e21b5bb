#!/usr/bin/env python3
"""Validates the KServe resources in deploy/kserve/ offline, against the
openAPIV3Schema of the CRDs vendored in deploy/kserve/crds/.

    scripts/validate-kserve.py [FILE.yaml ...]   (default: deploy/kserve/*.yaml)

Strict like `kubectl apply --validate=strict`: an object whose schema lists
its properties (and does not preserve unknown fields) refuses any other.
Before the manifests, checks itself: a copy of the first resource with an
unknown field must fail. Exits non-zero naming each problem.
"""
import copy
import glob
import os
import re
import sys

import jsonschema
import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CRDS = os.path.join(ROOT, "deploy", "kserve", "crds")
DNS_1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def strict(schema):
    """The schema with additionalProperties: false wherever Kubernetes prunes."""
    if isinstance(schema, dict):
        schema = {k: strict(v) for k, v in schema.items()}
        if ("properties" in schema and "additionalProperties" not in schema
                and not schema.get("x-kubernetes-preserve-unknown-fields")):
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [strict(v) for v in schema]
    return schema


def load_schemas():
    schemas = {}
    for path in sorted(glob.glob(os.path.join(CRDS, "*.yaml"))):
        with open(path) as f:
            crd = yaml.safe_load(f)
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if version.get("served"):
                schema = strict(version["schema"]["openAPIV3Schema"])
                schemas[(f"{group}/{version['name']}", kind)] = jsonschema.Draft7Validator(schema)
    return schemas


def problems(resource, schemas):
    key = (resource.get("apiVersion"), resource.get("kind"))
    validator = schemas.get(key)
    if validator is None:
        return [f"no vendored CRD serves {key[1]} {key[0]}; known: {sorted(schemas)}"]
    found = []
    name = (resource.get("metadata") or {}).get("name", "")
    if not DNS_1123.match(name) or len(name) > 63:
        found.append(f"metadata.name {name!r} is not a DNS-1123 label")
    for error in sorted(validator.iter_errors(resource), key=lambda e: list(e.absolute_path)):
        path = ".".join(str(p) for p in error.absolute_path) or "(top)"
        found.append(f"{path}: {error.message}")
    return found


def main() -> int:
    files = sys.argv[1:] or sorted(glob.glob(os.path.join(ROOT, "deploy", "kserve", "*.yaml")))
    schemas = load_schemas()
    resources = []
    for path in files:
        with open(path) as f:
            resources += [(path, r) for r in yaml.safe_load_all(f) if r]
    if not resources:
        print("no KServe resources found")
        return 1

    probe = copy.deepcopy(resources[0][1])
    probe.setdefault("spec", {})["notAField"] = 1
    if not problems(probe, schemas):
        print("self-check failed: an unknown field passed validation")
        return 1

    failed = 0
    for path, resource in resources:
        found = problems(resource, schemas)
        label = f"{os.path.relpath(path, ROOT)}: {resource.get('kind')}/{(resource.get('metadata') or {}).get('name')}"
        if found:
            failed += 1
            print(f"{label}: INVALID")
            for p in found:
                print(f"  {p}")
        else:
            print(f"{label}: valid")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
