"""The Helm chart ``charts/vanthu`` rendered and checked offline (issue 17: no cluster, no helm binary).

Rendering and linting go through helm-python-sdk (Helm v4's Go SDK over a C ABI, no network: the ``lookup``
function returns nothing); every rendered resource is validated against the Kubernetes JSON schemas of
kubernetes-validate in strict mode (unknown fields are errors) and, for the Prometheus operator's resources, against
the schemas shipped in ``charts/tests/schemas`` — a resource of any other kind fails, since the validator itself
only warns about kinds it has no schema for.

``python -m vanthu_testing.chart`` (``make chart-golden``) writes the golden renders, ``charts/tests/golden/<values
file>.yaml``, that the tests compare with: a change to the chart's output is then a reviewed diff.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[4]
CHART = ROOT / "charts" / "vanthu"
#: The values files the chart is rendered with: the defaults alone, then each file of the chart's ci/ folder.
VALUES_FILES: dict[str, Path | None] = {
    "default": None,
    **{path.stem: path for path in sorted((CHART / "ci").glob("*.yaml"))},
}
GOLDEN = ROOT / "charts" / "tests" / "golden"
SCHEMAS = ROOT / "charts" / "tests" / "schemas"
RELEASE = "vanthu"
NAMESPACE = "vanthu"
#: The Kubernetes version the manifests are validated for (the chart's kubeVersion floor).
KUBE_VERSION = "1.30"
#: Resources of these API groups are validated against ``charts/tests/schemas/<kind>-<group>-<version>.json``.
SHIPPED_SCHEMA_GROUPS = ("monitoring.coreos.com/",)


class ChartError(AssertionError):
    """A render, lint or validation finding (an AssertionError, so pytest shows its message as the failure)."""


def load_values(name: str) -> dict[str, Any]:
    """The values of ``VALUES_FILES[name]`` as a mapping (``{}`` for the defaults)."""
    path = VALUES_FILES[name]
    if path is None:
        return {}
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(loaded, dict):
        raise ChartError(f"{path}: values must be a mapping")
    return loaded


def render(values: dict[str, Any] | None = None) -> dict[str, str]:
    """Render the chart as ``helm install vanthu charts/vanthu -n vanthu`` would, without a cluster.

    Returns template path -> manifest text (empty templates left out); the chart's values.schema.json is applied
    first. Raises :class:`ChartError` when the values break the schema or a template fails.
    """
    import helm_python as helm

    with helm.Chart.load(CHART) as chart:
        try:
            chart.validate_schema(values or {})
            rendered = chart.render(values=values or {}, name=RELEASE, namespace=NAMESPACE, is_install=True)
        except helm.HelmError as error:
            raise ChartError(str(error)) from error
    return {path: text for path, text in sorted(rendered.items()) if text.strip()}


def lint(values: dict[str, Any] | None = None) -> list[str]:
    """``helm lint --strict`` over the chart with ``values``: every finding of warning level or above, as
    ``"<path>: <message>"`` (empty: clean)."""
    import helm_python as helm

    report = helm.lint(CHART, values or {}, strict=True, namespace=NAMESPACE, kube_version=f"v{KUBE_VERSION}.0")
    findings = [f"{m['path']}: {m['error']}" for m in report.get("messages", []) if m.get("severity", 0) >= 2]
    return findings + [e for e in report.get("errors", []) if not any(e in f for f in findings)]


def documents(rendered: dict[str, str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every resource of a render as (template path, resource)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml's: the renders are long
    for path, text in rendered.items():
        for document in yaml.load_all(text, Loader=loader):
            if document:
                yield path, document


def as_text(rendered: dict[str, str]) -> str:
    """One render as the golden file's text: each template under a ``# Source:`` line, in path order."""
    return "".join(f"---\n# Source: {path}\n{text.strip()}\n" for path, text in rendered.items())


def _shipped_schema(resource: dict[str, Any]) -> dict[str, Any] | None:
    api_version = resource.get("apiVersion", "")
    if not api_version.startswith(SHIPPED_SCHEMA_GROUPS):
        return None
    group, version = api_version.split("/", 1)
    path = SCHEMAS / f"{resource['kind'].lower()}-{group.split('.')[0]}-{version}.json"
    if not path.exists():
        raise ChartError(f"no schema for {resource['kind']} {api_version}: ship {path.relative_to(ROOT)}")
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@functools.cache
def _kubernetes_validator(kind: str, api_version: str) -> Any:
    """kubernetes-validate's strict schema of ``kind`` for :data:`KUBE_VERSION`, looked up as its ``validate`` does
    (``rbac.authorization.k8s.io/v1`` -> ``rbac-v1``), built once per kind: the library reads its large definitions
    file again for every resource, seconds per render. None: no schema for that kind."""
    import jsonschema
    from referencing import Registry, Resource

    directory = files("kubernetes_validate") / "kubernetes-json-schema" / f"v{KUBE_VERSION}.0-local-strict"
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    path = directory / f"{kind.lower()}-{api}.json"
    if not path.is_file():
        return None
    schema = json.loads(path.read_text(encoding="utf-8"))
    definitions = json.loads((directory / "_definitions.json").read_text(encoding="utf-8"))
    registry = Resource.from_contents(definitions) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.Draft202012Validator(schema, registry=registry)


def validate(resource: dict[str, Any]) -> None:
    """Validate one rendered resource strictly; raises :class:`ChartError` naming the resource and the field, or
    when no schema covers its kind."""
    import jsonschema

    name = f"{resource.get('kind')}/{resource.get('metadata', {}).get('name')}"
    schema = _shipped_schema(resource)
    validator = (jsonschema.Draft202012Validator(schema) if schema is not None
                 else _kubernetes_validator(str(resource.get("kind")), str(resource.get("apiVersion"))))
    if validator is None:
        raise ChartError(f"{name}: no Kubernetes schema for {resource.get('apiVersion')} {resource.get('kind')}")
    try:
        validator.validate(resource)
    except jsonschema.ValidationError as error:
        where = "/".join(str(p) for p in error.path)
        raise ChartError(f"{name}: {where}: {error.message}") from error


def write_golden() -> list[Path]:
    """Render every values file and write its golden file; returns the files written."""
    GOLDEN.mkdir(parents=True, exist_ok=True)
    written = []
    for name in VALUES_FILES:
        path = GOLDEN / f"{name}.yaml"
        path.write_text(as_text(render(load_values(name))), encoding="utf-8")
        written.append(path)
    for stale in set(GOLDEN.glob("*.yaml")) - set(written):
        stale.unlink()
    return written


def main() -> int:
    """``make chart-golden``: write the golden renders (commit them with the chart change they show)."""
    for path in write_golden():
        print(f"chart-golden: wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
