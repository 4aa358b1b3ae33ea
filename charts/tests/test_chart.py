"""The Helm chart ``charts/vanthu`` checked offline (issue 17 item 6): rendered over every values file, linted
strictly, every manifest validated against the Kubernetes schemas (strict) or the shipped ones, compared with the
golden renders, its values schema, its list of services against ``services/*`` and skaffold, and the writable paths
and hardening of every pod. No cluster, no helm binary, no Docker engine (helm-python-sdk, kubernetes-validate)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from vanthu_testing import chart

pytestmark = pytest.mark.unit

ROOT = chart.ROOT
SERVICES_DIR = ROOT / "services"
VALUES = list(chart.VALUES_FILES)


@pytest.fixture(scope="module")
def renders() -> dict[str, dict[str, str]]:
    """Each values file's render (template path -> manifest)."""
    return {name: chart.render(chart.load_values(name)) for name in VALUES}


def resources(rendered: dict[str, str], kind: str | None = None) -> list[dict[str, Any]]:
    return [doc for _, doc in chart.documents(rendered) if kind is None or doc["kind"] == kind]


def pods(rendered: dict[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """(resource name, pod spec) of every Deployment and Job."""
    return [(doc["metadata"]["name"], doc["spec"]["template"]["spec"])
            for doc in resources(rendered) if doc["kind"] in ("Deployment", "Job")]


def deployed_services() -> set[str]:
    """The Python services of the repository (a folder of services/ with a pyproject.toml)."""
    return {p.parent.name for p in SERVICES_DIR.glob("*/pyproject.toml")}


def values_yaml() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((chart.CHART / "values.yaml").read_text(encoding="utf-8"))
    return loaded


# -- render, lint, validate, golden ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", VALUES)
def test_the_chart_lints_clean_in_strict_mode(name: str) -> None:
    assert chart.lint(chart.load_values(name)) == []


@pytest.mark.parametrize("name", VALUES)
def test_every_rendered_manifest_is_valid_against_its_schema(name: str, renders: dict[str, dict[str, str]]) -> None:
    found = resources(renders[name])
    assert len(found) > 20
    for resource in found:
        chart.validate(resource)


def test_a_resource_without_a_schema_fails_validation() -> None:
    unknown = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    with pytest.raises(AssertionError, match="no Kubernetes schema"):
        chart.validate(unknown)
    unshipped = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor", "metadata": {"name": "p"}}
    with pytest.raises(AssertionError, match="no schema for PodMonitor"):
        chart.validate(unshipped)


def test_validation_is_strict_about_unknown_fields(renders: dict[str, dict[str, str]]) -> None:
    deployment = resources(renders["default"], "Deployment")[0]
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["grpcc"] = {"port": 1}
    with pytest.raises(AssertionError, match="grpcc"):
        chart.validate(deployment)
    rule = resources(renders["production"], "PrometheusRule")[0]
    rule["spec"]["groups"][0]["rules"][0]["severity"] = "critical"
    with pytest.raises(AssertionError, match="severity"):
        chart.validate(rule)


@pytest.mark.parametrize("name", VALUES)
def test_the_render_matches_the_committed_golden_file(name: str, renders: dict[str, dict[str, str]]) -> None:
    golden = chart.GOLDEN / f"{name}.yaml"
    assert golden.exists(), f"{golden} is missing: run `make chart-golden` and commit it"
    assert chart.as_text(renders[name]) == golden.read_text(encoding="utf-8"), \
        f"the chart's output changed: review it with `make chart-golden && git diff {golden.relative_to(ROOT)}`"


def test_production_values_turn_every_toggle_on(renders: dict[str, dict[str, str]]) -> None:
    kinds = {doc["kind"] for doc in resources(renders["production"])}
    assert {"Ingress", "ServiceMonitor", "PrometheusRule", "ConfigMap", "HorizontalPodAutoscaler",
            "PodDisruptionBudget", "NetworkPolicy", "Job"} <= kinds
    names = {doc["metadata"]["name"] for doc in resources(renders["production"], "Service")}
    assert {"vanthu-interchange-federation", "vanthu-interchange-provincial-axis"} <= names
    ingress = resources(renders["production"], "Ingress")[0]
    assert ingress["spec"]["tls"] == [{"hosts": ["vanthu.vinhlong.gov.vn"], "secretName": "vanthu-vinhlong-tls"}]
    minimal = {doc["kind"] for doc in resources(renders["minimal"])}
    assert not minimal & {"HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "Ingress"}


# -- values schema --------------------------------------------------------------------------------------------------

def test_the_values_schema_is_the_generators_output() -> None:
    generator = Path(__file__).with_name("make_values_schema.py")
    spec = importlib.util.spec_from_file_location("make_values_schema", generator)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (chart.CHART / "values.schema.json").read_text(encoding="utf-8") == module.text(), \
        "charts/vanthu/values.schema.json is stale: run `python charts/tests/make_values_schema.py`"


@pytest.mark.parametrize("typo", [
    {"comon": {"logLevel": "INFO"}},                                  # a top-level key
    {"services": {"registry": {"replcias": 3}}},                      # a service's key
    {"default": {"autoscaling": {"maxReplica": 3}}},                  # nested in default
    {"common": {"consumers": {"maxDelivery": 3}}},
    {"monitoring": {"serviceMonitor": {"enable": True}}},
], ids=["top", "service", "default", "common", "monitoring"])
def test_a_typo_in_a_known_key_fails_the_schema(typo: dict[str, Any]) -> None:
    with pytest.raises(AssertionError, match="not allowed"):
        chart.render(typo)


@pytest.mark.parametrize("bad", [
    {"common": {"logLevel": "LOUD"}},
    {"services": {"registry": {"port": 70000}}},
    {"services": {"archive": {"enabled": True}}},                                     # a service needs a port
    {"services": {"gateway": {"env": {"VANTHU_GATEWAY_DOWNLOAD_LINK_SECRET": "x"}}}},  # a secret in values
    {"services": {"storage": {"env": {"PATH": "/bin"}}}},                               # only VANTHU_/OTEL_
], ids=["level", "port", "no-port", "secret-in-values", "foreign-env"])
def test_the_schema_refuses_wrong_values(bad: dict[str, Any]) -> None:
    with pytest.raises(AssertionError):
        chart.render(bad)


def test_a_new_service_is_a_values_entry() -> None:
    rendered = chart.render({"services": {"search": {"enabled": True, "port": 50058,
                                                     "database": {"secret": "vanthu-search-db"}}}})
    names = {(doc["kind"], doc["metadata"]["name"]) for doc in resources(rendered)}
    assert {("Deployment", "vanthu-search"), ("Service", "vanthu-search"), ("ServiceAccount", "vanthu-search"),
            ("HorizontalPodAutoscaler", "vanthu-search"), ("PodDisruptionBudget", "vanthu-search"),
            ("NetworkPolicy", "vanthu-search"), ("Job", "vanthu-search-migrate")} <= names


# -- the services: repository, chart, skaffold ----------------------------------------------------------------------

def test_every_service_of_the_repository_is_in_the_chart_and_in_skaffold() -> None:
    services = values_yaml()["services"]
    enabled = {name for name, entry in services.items() if entry.get("enabled")}
    assert enabled == deployed_services()
    # the documented exception: the development issuer (libs/vanthu-identity) is never deployed (Keycloak is)
    assert services["dev-issuer"] == {"enabled": False}
    assert set(services) - enabled == {"dev-issuer"}
    skaffold = yaml.safe_load((ROOT / "skaffold.yaml").read_text(encoding="utf-8"))
    artifacts = {a["image"].rsplit("/", 1)[1]: a["docker"]["dockerfile"] for a in skaffold["build"]["artifacts"]}
    assert artifacts == {name: f"services/{name}/Dockerfile" for name in deployed_services()}
    images = skaffold["deploy"]["helm"]["releases"][0]["setValueTemplates"]
    assert images == {f"services.{n}.image": f"{{{{.IMAGE_FULLY_QUALIFIED_ghcr_io_vanthu_{n}}}}}" for n in artifacts}
    assert {p["name"] for p in skaffold["profiles"]} == {"dev", "debug"}
    # the web application has no image of its own: the gateway's is built with it
    web = {p.name for p in SERVICES_DIR.iterdir() if p.is_dir()} - deployed_services()
    assert web == {"web"}
    assert "COPY services/web/" in (SERVICES_DIR / "gateway" / "Dockerfile").read_text(encoding="utf-8")


def test_each_service_calls_what_it_is_configured_to_call(renders: dict[str, dict[str, str]]) -> None:
    for deployment in resources(renders["default"], "Deployment"):
        name = deployment["metadata"]["name"].removeprefix("vanthu-")
        env = {e["name"]: e for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
        calls = values_yaml()["services"][name].get("calls", [])
        targets = {k for k in env if re.fullmatch(rf"VANTHU_{name.upper()}_[A-Z]+_TARGET", k)}
        assert targets == {f"VANTHU_{name.upper()}_{c.upper()}_TARGET" for c in calls}
        assert env["VANTHU_SERVICE_CLIENT_ID"]["value"] == f"vanthu-{name}"
        assert "secretKeyRef" in env["VANTHU_SERVICE_CLIENT_SECRET"]["valueFrom"]
    gateway = next(d for d in resources(renders["default"], "Deployment") if d["metadata"]["name"] == "vanthu-gateway")
    env = {e["name"]: e for e in gateway["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["VANTHU_GATEWAY_DOWNLOAD_LINK_SECRET"]["valueFrom"]["secretKeyRef"]["name"] == "vanthu-gateway-links"
    storage = next(d for d in resources(renders["default"], "Deployment") if d["metadata"]["name"] == "vanthu-storage")
    env = {e["name"]: e for e in storage["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["VANTHU_STORAGE_BACKEND"]["value"] == "s3"
    assert env["VANTHU_STORAGE_S3_OBJECT_LOCK"]["value"] == "true"


# -- pods: hardening, writable paths, probes, secrets, migrations, network ------------------------------------------

@pytest.mark.parametrize("name", VALUES)
def test_every_pod_is_hardened(name: str, renders: dict[str, dict[str, str]]) -> None:
    for resource, spec in pods(renders[name]):
        assert spec["securityContext"]["runAsNonRoot"] is True, resource
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, resource
        assert spec["automountServiceAccountToken"] is False, resource
        for container in spec["containers"] + spec.get("initContainers", []):
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, resource
            assert security["allowPrivilegeEscalation"] is False, resource
            assert security["capabilities"] == {"drop": ["ALL"]}, resource
            assert container["resources"]["requests"] and container["resources"]["limits"]["memory"], resource


def _settings_classes() -> dict[str, type]:
    """Each Python service's settings class (``vanthu_<service>.settings``, the ServiceSettings subclass)."""
    from vanthu_core.settings import ServiceSettings

    found = {}
    for service in deployed_services():
        module = importlib.import_module(f"vanthu_{service}.settings")
        classes = [c for c in vars(module).values()
                   if isinstance(c, type) and issubclass(c, ServiceSettings) and c is not ServiceSettings]
        assert len(classes) == 1, service
        found[service] = classes[0]
    return found


#: Settings whose default is under var/ but that production never uses (VANTHU_PROFILE=production refuses them).
#: Embedded mode only: signing's dev PKI, search's Tantivy index (the chart runs search on OpenSearch).
DEVELOPMENT_ONLY = {("signing", "dev_pki_dir"), ("search", "index_dir")}


@pytest.mark.parametrize("name", VALUES)
def test_every_writable_path_a_service_uses_is_a_mounted_volume(name: str,
                                                                renders: dict[str, dict[str, str]]) -> None:
    """Embedded mode writes under var/ (databases, storage's objects and staging, signing's dev PKI): with a
    read-only root filesystem each such setting must be given by the chart, a database URL from its Secret and a
    directory as a path under one of the container's volumes. /tmp is a volume everywhere (tempfile)."""
    deployments = {d["metadata"]["name"].removeprefix("vanthu-"): d for d in resources(renders[name], "Deployment")}
    for service, settings in _settings_classes().items():
        container = deployments[service]["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e for e in container["env"]}
        mounts = [m["mountPath"] for m in container["volumeMounts"] if not m.get("readOnly")]
        assert "/tmp" in mounts, service
        prefix = settings.model_config["env_prefix"]
        for field, info in settings.model_fields.items():
            default = str(info.default)
            if "var/" not in default or (service, field) in DEVELOPMENT_ONLY:
                continue
            variable = f"{prefix}{field.upper()}"
            assert variable in env, f"{service} writes {default} ({variable}) but the chart does not set it"
            if field == "database_url":
                assert "secretKeyRef" in env[variable]["valueFrom"], service
                continue
            path = env[variable]["value"]
            assert any(path == m or path.startswith(m.rstrip("/") + "/") for m in mounts), \
                f"{service}: {variable}={path} is on the read-only root filesystem"


def test_storage_on_the_local_backend_keeps_its_objects_on_a_claim() -> None:
    rendered = chart.render({"services": {"storage": {
        "env": {"VANTHU_STORAGE_BACKEND": "local"},
        "writable": [{"name": "data", "mountPath": "/var/lib/vanthu/storage", "claim": "vanthu-storage-objects",
                      "env": "VANTHU_STORAGE_DATA_DIR"}]}}})
    storage = next(d for d in resources(rendered, "Deployment") if d["metadata"]["name"] == "vanthu-storage")
    volumes = {v["name"]: v for v in storage["spec"]["template"]["spec"]["volumes"]}
    assert volumes["data"]["persistentVolumeClaim"] == {"claimName": "vanthu-storage-objects"}


@pytest.mark.parametrize("name", VALUES)
def test_no_secret_value_is_written_into_a_manifest(name: str, renders: dict[str, dict[str, str]]) -> None:
    secretish = re.compile(r"(SECRET|PASSWORD|_PIN|_KEY)$")
    for resource, spec in pods(renders[name]):
        for container in spec["containers"]:
            for variable in container.get("env", []):
                if secretish.search(variable["name"]):
                    assert "secretKeyRef" in variable.get("valueFrom", {}), f"{resource}: {variable['name']}"
    assert not resources(renders[name], "Secret")


@pytest.mark.parametrize("name", VALUES)
def test_probes_are_native_grpc_and_the_gateways_reflect_the_gateway(name: str,
                                                                    renders: dict[str, dict[str, str]]) -> None:
    for deployment in resources(renders[name], "Deployment"):
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            if deployment["metadata"]["name"] == "vanthu-gateway":
                # /readyz asks every service: one service down must not take the front door out
                assert container[probe]["httpGet"] == {"path": "/healthz", "port": "http"}
            else:
                assert container[probe]["grpc"] == {"port": container["ports"][0]["containerPort"]}


@pytest.mark.parametrize("name", VALUES)
def test_migrations_run_once_per_release_in_hook_jobs(name: str, renders: dict[str, dict[str, str]]) -> None:
    jobs = {j["metadata"]["name"]: j for j in resources(renders[name], "Job")}
    with_database = {s for s, e in values_yaml()["services"].items() if e.get("database", {}).get("secret")}
    assert {n for n in jobs if n.endswith("-migrate")} == {f"vanthu-{s}-migrate" for s in with_database}
    for service in with_database:
        job = jobs[f"vanthu-{service}-migrate"]
        assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
        assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"]
    for _, spec in pods(renders[name]):
        assert "initContainers" not in spec


def test_network_policies_deny_by_default_and_allow_the_architectures_calls(
        renders: dict[str, dict[str, str]]) -> None:
    policies = {p["metadata"]["name"]: p["spec"] for p in resources(renders["default"], "NetworkPolicy")}
    deny = policies["vanthu-default-deny"]
    assert deny["policyTypes"] == ["Ingress", "Egress"] and "ingress" not in deny and "egress" not in deny
    services = values_yaml()["services"]
    for name, entry in services.items():
        if not entry.get("enabled"):
            continue
        spec = policies[f"vanthu-{name}"]
        rules = spec.get("ingress") or []
        assert all(rule.get("from") or rule["ports"][0]["port"] != entry.get("port") for rule in rules), \
            f"{name}: a rule on its port without `from` would let everyone in"
        callers = {peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
                   for rule in rules for peer in rule.get("from", []) if "podSelector" in peer}
        assert callers == {other for other, o in services.items() if name in o.get("calls", [])}, name
        if not callers and name != "gateway":
            assert not rules, f"{name}: nobody calls it, nobody may"
        callees = {peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
                   for rule in spec["egress"] for peer in rule.get("to", []) if "podSelector" in peer}
        assert callees == set(entry.get("calls", [])), name
    # the gateway calls every service; only the ingress controller's namespace reaches it from outside
    assert set(services["gateway"]["calls"]) == deployed_services() - {"gateway"}


# -- review fixes: files mounted read-only, the Ingress' body size, the databases reachable by their services only ----

def _deployment(rendered: dict[str, str], service: str) -> dict[str, Any]:
    return next(d for d in resources(rendered, "Deployment") if d["metadata"]["name"] == f"vanthu-{service}")


@pytest.mark.parametrize("name", VALUES)
def test_signings_file_settings_point_into_read_only_mounts(name: str, renders: dict[str, dict[str, str]]) -> None:
    """Production signing refuses to start without its trust roots and chain, which are files: each path the chart
    gives must lie under a volume mounted from an existing Secret, ConfigMap or claim."""
    spec = _deployment(renders[name], "signing")["spec"]["template"]["spec"]
    container = spec["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["VANTHU_SIGNING_KEY_BACKEND"] == "pkcs11"
    mounts = [m["mountPath"] for m in container["volumeMounts"] if m.get("readOnly")]
    for variable in ("VANTHU_SIGNING_TRUST_ROOTS_FILE", "VANTHU_SIGNING_CHAIN_FILE"):
        assert any(env[variable].startswith(m.rstrip("/") + "/") for m in mounts), variable
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes["pki"]["secret"]["secretName"] == "vanthu-signing-pki"


def test_a_file_entry_names_exactly_one_source() -> None:
    from jsonschema import Draft202012Validator

    schema = __import__("json").loads((chart.CHART / "values.schema.json").read_text(encoding="utf-8"))
    bad = values_yaml()
    bad["services"]["signing"]["files"] = [{"name": "pki", "mountPath": "/etc/x", "secret": "a", "configMap": "b"}]
    assert list(Draft202012Validator(schema).iter_errors(bad))


def _bytes(size: str) -> int:
    units = {"k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}
    return int(size[:-1]) * units[size[-1].lower()] if size[-1].lower() in units else int(size)


def test_the_ingress_lets_the_gateways_largest_upload_through(renders: dict[str, dict[str, str]]) -> None:
    """ingress-nginx answers 413 over 1 MiB unless told otherwise: its body-size limit must hold the gateway's."""
    ingress = resources(renders["production"], "Ingress")[0]
    annotations = ingress["metadata"]["annotations"]
    gateway = _deployment(renders["production"], "gateway")["spec"]["template"]["spec"]["containers"][0]
    upload = int(next(e["value"] for e in gateway["env"] if e["name"] == "VANTHU_GATEWAY_MAX_UPLOAD_BYTES"))
    assert _bytes(annotations["nginx.ingress.kubernetes.io/proxy-body-size"]) >= upload
    assert annotations["nginx.ingress.kubernetes.io/proxy-request-buffering"] == "off"


@pytest.mark.parametrize("name", ["default", "production"])
def test_only_the_services_with_a_database_reach_postgresql(name: str, renders: dict[str, dict[str, str]]) -> None:
    policies = {p["metadata"]["name"]: p["spec"] for p in resources(renders[name], "NetworkPolicy")}
    shared_ports = {port["port"] for rule in policies["vanthu-dependencies"]["egress"] for port in rule["ports"]}
    assert not shared_ports & {5432, 9000}, "every pod, the gateway included, would reach the databases or MinIO"
    databases = policies["vanthu-databases"]
    selected = set(databases["podSelector"]["matchExpressions"][0]["values"])
    with_database = {s for s, e in values_yaml()["services"].items() if e.get("database", {}).get("secret")}
    assert selected == with_database | {f"{s}-migrate" for s in with_database}
    assert "gateway" not in selected
    storage = policies["vanthu-storage"]
    assert any(port["port"] == 9000 for rule in storage["egress"] for port in rule.get("ports", []))
    for other, spec in policies.items():
        if other not in ("vanthu-storage", "vanthu-databases"):
            assert not any(port.get("port") == 9000 for rule in spec.get("egress", [])
                           for port in rule.get("ports", [])), other


@pytest.mark.parametrize("name", VALUES)
def test_the_streams_exist_before_the_services_start(name: str, renders: dict[str, dict[str, str]]) -> None:
    """Registry, storage and signing give up after 60 s without the streams: a post-install hook runs only after
    `helm install --wait` saw them ready, which they never are without it."""
    job = next(j for j in resources(renders[name], "Job") if j["metadata"]["name"] == "vanthu-streams")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"


def test_interchange_with_federation_may_call_its_peers(renders: dict[str, dict[str, str]]) -> None:
    """The peers listen on their federation port (mutual TLS): without an egress rule no package leaves."""
    policy = next(p["spec"] for p in resources(renders["production"], "NetworkPolicy")
                  if p["metadata"]["name"] == "vanthu-interchange")
    port = values_yaml()["services"]["interchange"]["federation"]["port"]
    assert any(p["port"] == port for rule in policy["egress"] for p in rule.get("ports", []) if not rule.get("to"))
