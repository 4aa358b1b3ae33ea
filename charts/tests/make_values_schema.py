"""Writes charts/vanthu/values.schema.json (run by hand after changing the chart's values; the tests check that the
committed file is this script's output and that values.yaml and every ci/ values file pass it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CHART = Path(__file__).resolve().parents[1] / "vanthu"


def obj(properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    """A closed object: a key the schema does not know (a typo) is an error."""
    schema = {"type": "object", "additionalProperties": False, "properties": properties, **extra}
    if required:
        schema["required"] = required
    return schema


STR = {"type": "string"}
BOOL = {"type": "boolean"}
INT = {"type": "integer", "minimum": 0}
PORT = {"type": "integer", "minimum": 1, "maximum": 65535}
NAME = {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63}
#: VanThu's and OpenTelemetry's settings, and two of the libraries': the CA bundle minio-py trusts (an S3 whose
#: certificate the cluster CA signs) and
#: the proxies uvicorn believes X-Forwarded-* from (the gateway behind the Ingress)
ENV_NAME = {"type": "string", "pattern": "^((VANTHU|OTEL)_[A-Z0-9_]+|SSL_CERT_FILE|FORWARDED_ALLOW_IPS)$"}
ANY_MAP = {"type": "object"}
STR_MAP = {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}}
#: plain settings only: a secret-looking variable must come from secretEnv
SECRETISH = {"pattern": "(SECRET|PASSWORD|_PIN|KEY)$"}
ENV_MAP = {"type": "object", "propertyNames": {"allOf": [ENV_NAME, {"not": SECRETISH}]},
           "additionalProperties": {"type": ["string", "number", "boolean"]}}
SECRET_REF = obj({"secret": NAME, "key": {"type": "string", "minLength": 1}}, ["secret", "key"])
PROBE = obj({"periodSeconds": INT, "failureThreshold": INT, "timeoutSeconds": INT, "initialDelaySeconds": INT})
EXPOSED = obj({"enabled": BOOL, "port": PORT, "secret": NAME,
               "service": obj({"type": {"enum": ["ClusterIP", "NodePort", "LoadBalancer"]}, "annotations": STR_MAP})})

COMPONENT = obj({
    "enabled": BOOL,
    #: a full image reference (skaffold sets it), instead of image.registry/<service>:image.tag
    "image": STR,
    "replicas": INT,
    "protocol": {"enum": ["grpc", "http"]},
    "port": PORT,
    "nats": BOOL,
    "resources": ANY_MAP,
    "podSecurityContext": ANY_MAP,
    "securityContext": ANY_MAP,
    "probes": obj({"readiness": PROBE, "liveness": PROBE, "startup": PROBE}),
    "terminationGracePeriodSeconds": INT,
    "preStopSleepSeconds": INT,
    "autoscaling": obj({"enabled": BOOL, "minReplicas": {"type": "integer", "minimum": 1},
                        "maxReplicas": {"type": "integer", "minimum": 1},
                        "targetCPUUtilizationPercentage": {"type": "integer", "minimum": 1, "maximum": 100}}),
    "podDisruptionBudget": obj({"enabled": BOOL, "maxUnavailable": {"type": ["integer", "string"]}}),
    "topologySpread": obj({"enabled": BOOL, "maxSkew": {"type": "integer", "minimum": 1},
                           "topologyKeys": {"type": "array", "items": STR},
                           "whenUnsatisfiable": {"enum": ["ScheduleAnyway", "DoNotSchedule"]}}),
    "env": ENV_MAP,
    "secretEnv": {"type": "object", "propertyNames": ENV_NAME, "additionalProperties": SECRET_REF},
    "envFromSecrets": {"type": "array", "items": NAME},
    "clientSecret": obj({"name": {"type": "string"}, "key": {"type": "string", "minLength": 1}}),
    "database": obj({"secret": {"type": "string"}}),
    "writable": {"type": "array", "items": obj(
        {"name": NAME, "mountPath": {"type": "string", "pattern": "^/"}, "sizeLimit": STR, "claim": NAME,
         "env": ENV_NAME}, ["name", "mountPath"])},
    #: files the service reads (trust roots, chain, CRLs, a CA bundle, a PKCS#11 module), mounted read-only from an
    #: existing Secret, ConfigMap or claim (exactly one)
    "files": {"type": "array", "items": {**obj(
        {"name": NAME, "mountPath": {"type": "string", "pattern": "^/"}, "secret": NAME, "configMap": NAME,
         "claim": NAME}, ["name", "mountPath"]),
        "oneOf": [{"required": ["secret"]}, {"required": ["configMap"]}, {"required": ["claim"]}]}},
    "calls": {"type": "array", "items": NAME},
    "extraEgress": {"type": "array", "items": ANY_MAP},
    "nodeSelector": STR_MAP,
    "tolerations": {"type": "array"},
    "affinity": ANY_MAP,
    "podAnnotations": STR_MAP,
    "federation": EXPOSED,
    "provincialAxis": EXPOSED,
    "ingress": obj({"enabled": BOOL, "className": STR, "host": STR, "tlsSecret": NAME, "annotations": STR_MAP,
                    "controllerNamespace": NAME}),
})
SERVICE = {**COMPONENT, "if": {"properties": {"enabled": {"const": True}}, "required": ["enabled"]},
           "then": {"required": ["port"]}}

SCHEMA = obj({
    "image": obj({"registry": STR, "tag": STR, "pullPolicy": {"enum": ["Always", "IfNotPresent", "Never"]},
                  "pullSecrets": {"type": "array", "items": NAME}}, ["registry"]),
    "namePrefix": NAME,
    "common": obj({
        "natsUrl": {"type": "string", "pattern": "^(nats|tls)://"},
        "oidcIssuer": {"type": "string", "pattern": "^https?://"},
        "oidcAudience": STR,
        "otlpEndpoint": STR,
        "logLevel": {"enum": ["DEBUG", "INFO", "WARNING", "ERROR"]},
        "outboxRetentionHours": {"type": "number", "exclusiveMinimum": 0},
        "consumers": obj({"concurrency": {"type": "integer", "minimum": 1},
                          "maxDeliver": {"type": "integer", "minimum": 1},
                          "backoffSeconds": {"type": "string", "pattern": "^[0-9.]+(,[0-9.]+)*$"}}),
        "env": ENV_MAP,
    }, ["natsUrl", "oidcIssuer"]),
    "events": obj({"maxAgeDays": INT, "maxBytes": INT, "deadLetterMaxAgeDays": INT, "deadLetterMaxBytes": INT,
                   "duplicateWindowSeconds": INT, "replicas": {"type": "integer", "minimum": 1, "maximum": 5}}),
    "natsSecrets": {"type": "object", "additionalProperties": NAME, "required": ["admin"]},
    "default": COMPONENT,
    "services": {"type": "object", "propertyNames": NAME, "additionalProperties": SERVICE},
    "networkPolicy": obj({"enabled": BOOL, "dependencies": {"type": "array", "items": ANY_MAP},
                          "databases": {"type": "array", "items": ANY_MAP},
                          "monitoringNamespace": {"anyOf": [NAME, {"const": ""}]}}),
    "migrations": obj({"backoffLimit": INT, "resources": ANY_MAP}),
    "streams": obj({"resources": ANY_MAP}),
    "monitoring": obj({
        "serviceMonitor": obj({"enabled": BOOL, "labels": STR_MAP, "interval": STR,
                               "collector": obj({"namespace": NAME, "selector": STR_MAP, "port": STR})}),
        "prometheusRule": obj({"enabled": BOOL, "labels": STR_MAP}),
        "dashboard": obj({"enabled": BOOL, "labels": STR_MAP}),
    }),
    "keycloakRealm": obj({"configMap": BOOL}),
    # Helm passes the parent's global values to every chart
    "global": ANY_MAP,
}, ["image", "common", "services"], **{"$schema": "https://json-schema.org/draft/2020-12/schema",
                                      "title": "VanThu chart values"})


def text() -> str:
    """The schema file's text."""
    return json.dumps(SCHEMA, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    (CHART / "values.schema.json").write_text(text(), encoding="utf-8")
