"""The Kubernetes manifests (deploy/k8s) render and validate, and agree with the contract.

Both kustomizations (the base and the production overlay) are rendered with kustomize
(``make kustomize`` builds the pinned version into var/tools/; ``KUSTOMIZE`` names another
binary), then every object is validated offline: the Kubernetes kinds against the schemas that
``kubernetes-validate`` carries, strictly (an unknown field fails), the operators' kinds
against the ``openAPIV3Schema`` of their published CRDs vendored under deploy/k8s/crds/, with
unknown fields refused where the CRD does not preserve them (as the API server's strict field
validation does). Nothing is fetched and no cluster is needed.

Then the checks that tie the manifests to the code: a KafkaTopic for every topic of
``schemas.topics`` with its partitions and retention, replication 3 and min.insync.replicas 2;
every service a Deployment probed on /ready and /health, with resources, a Service, a
PodDisruptionBudget and a HorizontalPodAutoscaler where it scales by instances (never more
instances than partitions); every ConfigMap and Secret they name exists (the production overlay
holds no Secret at all); and every metric the alerts use is one services/runtime/metrics.py
defines.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, get_args

import jsonschema
import kubernetes_validate
import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

from schemas.topics import DEFAULT_PARTITIONS, TOPICS
from services.attendance.purge import PurgeSettings
from services.runtime import metrics
from services.runtime.settings import ServiceName, Settings
from services.web.settings import WebSettings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
CRDS = K8S / "crds"
KUSTOMIZATIONS = {"base": K8S / "base", "production": K8S / "overlays" / "production"}
KUSTOMIZE_VERSION = "v5.8.1"
#: the oldest Kubernetes the manifests are meant for (kubernetes-validate's schemas of it)
KUBERNETES_VERSION = "1.31"

SERVICES: tuple[str, ...] = get_args(ServiceName)
#: services with a consumer group whose instances share partitions: at most one per partition
CONSUMERS = {"eligibility", "detector", "reporting", "audit"}
#: services that keep their projections in ClickHouse
STORE_USERS = {"eligibility", "reporting", "audit"}
#: the sealer is the audit log's single writer: one instance, never two at once
SINGLE_INSTANCE = {"audit"}
EVENT_LOG_RETENTION_MS = -1

Doc = dict[str, Any]
#: libyaml's loader where PyYAML has it (the Kafka CRD alone is 330 kB: 0.3 s instead of 3 s)
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# rendering -----------------------------------------------------------------------------------


def kustomize_binary() -> str:
    """The kustomize that ``make kustomize`` built, else ``KUSTOMIZE``, else one on PATH."""
    named = os.environ.get("KUSTOMIZE")
    if named:
        return named
    built = ROOT / "var" / "tools" / f"kustomize-{KUSTOMIZE_VERSION}" / "kustomize"
    if built.exists():
        return str(built)
    found = shutil.which("kustomize")
    if found:
        return found
    pytest.fail(
        f"kustomize not found: run `make kustomize` (builds {KUSTOMIZE_VERSION} into var/tools/"
        " with go install), or set KUSTOMIZE to a kustomize binary"
    )


@cache
def rendered(name: str) -> tuple[Doc, ...]:
    out = subprocess.run(
        [kustomize_binary(), "build", str(KUSTOMIZATIONS[name])],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    return tuple(doc for doc in yaml.load_all(out, Loader=Loader) if doc)


def of_kind(docs: tuple[Doc, ...], kind: str) -> dict[str, Doc]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def ident(doc: Doc) -> str:
    return f"{doc['kind']}/{doc['metadata']['name']}"


# the operators' CRD schemas ------------------------------------------------------------------


def strict(schema: Any) -> Any:
    """The schema with unknown properties refused wherever the CRD names its properties and
    neither preserves unknown fields nor says what other properties may hold."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: strict(value) for key, value in schema.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


@cache
def crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) -> the strict openAPIV3Schema of every vendored CRD version."""
    schemas: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(CRDS.glob("*/*.yaml")):
        for crd in yaml.load_all(path.read_text(encoding="utf-8"), Loader=Loader):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            spec = crd["spec"]
            for version in spec["versions"]:
                if not version.get("served"):
                    continue
                api_version = f"{spec['group']}/{version['name']}"
                schema = copy.deepcopy(version["schema"]["openAPIV3Schema"])
                schemas[(api_version, spec["names"]["kind"])] = strict(schema)
    return schemas


def is_custom(doc: Doc) -> bool:
    group = doc["apiVersion"].rpartition("/")[0]
    return "." in group and not group.endswith(".k8s.io")


def validate(doc: Doc) -> None:
    if is_custom(doc):
        schema = crd_schemas().get((doc["apiVersion"], doc["kind"]))
        assert schema is not None, f"{ident(doc)}: no vendored CRD for {doc['apiVersion']}"
        # OpenAPI 3.0 schemas read as JSON Schema draft 4 (boolean exclusiveMinimum/Maximum)
        errors = sorted(
            jsonschema.Draft4Validator(schema).iter_errors(doc), key=lambda e: list(e.path)
        )
        assert not errors, f"{ident(doc)}: " + "; ".join(
            f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:10]
        )
    else:
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = "/".join(map(str, exc.path))
            pytest.fail(f"{ident(doc)}: {path}: {exc.message}")


@pytest.mark.parametrize("name", sorted(KUSTOMIZATIONS))
def test_every_object_validates_against_its_schema(name: str) -> None:
    docs = rendered(name)
    assert len(docs) > 40
    kinds = {doc["kind"] for doc in docs}
    assert {"Kafka", "KafkaNodePool", "KafkaTopic", "ClickHouseInstallation"} <= kinds
    for doc in docs:
        validate(doc)


def test_the_strict_validation_refuses_what_the_api_server_would() -> None:
    """A misspelt field fails, in a Kubernetes kind and in an operator's kind alike."""
    docs = rendered("base")
    deployment = copy.deepcopy(of_kind(docs, "Deployment")["reporting"])
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(pytest.fail.Exception, match="readinesProbe"):
        validate(deployment)
    topic = copy.deepcopy(next(iter(of_kind(docs, "KafkaTopic").values())))
    topic["spec"]["partition"] = 6
    with pytest.raises(AssertionError, match="partition"):
        validate(topic)
    topic = copy.deepcopy(next(iter(of_kind(docs, "KafkaTopic").values())))
    topic["spec"]["partitions"] = "six"
    with pytest.raises(AssertionError, match="partitions"):
        validate(topic)


def test_the_vendored_crds_name_their_versions() -> None:
    readme = (CRDS / "README.md").read_text(encoding="utf-8")
    for folder in sorted(p for p in CRDS.iterdir() if p.is_dir()):
        version = folder.name.rpartition("-")[2]
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), folder.name
        assert folder.name in readme, f"{folder.name} is not described in crds/README.md"
        assert any(folder.glob("*.yaml"))


# Kafka ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(KUSTOMIZATIONS))
def test_every_topic_of_the_contract_has_its_kafka_topic(name: str) -> None:
    topics = {
        doc["spec"]["topicName"]: doc for doc in of_kind(rendered(name), "KafkaTopic").values()
    }
    assert set(topics) == {spec.name for spec in TOPICS}
    retention = Settings().location_retention_ms
    for spec in TOPICS:
        topic = topics[spec.name]
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "wfa"
        assert topic["spec"]["partitions"] == spec.partitions, spec.name
        assert topic["spec"]["replicas"] == 3, spec.name
        config = topic["spec"]["config"]
        assert config["min.insync.replicas"] == 2, spec.name
        expected = retention if spec.restricted else EVENT_LOG_RETENTION_MS
        assert config["retention.ms"] == expected, spec.name
        assert config.get("cleanup.policy", "delete") == "delete", spec.name


@pytest.mark.parametrize("name", sorted(KUSTOMIZATIONS))
def test_the_kafka_cluster_is_kraft_with_three_brokers(name: str) -> None:
    docs = rendered(name)
    (kafka,) = of_kind(docs, "Kafka").values()
    pools = of_kind(docs, "KafkaNodePool").values()
    assert all(pool["metadata"]["labels"]["strimzi.io/cluster"] == "wfa" for pool in pools)
    brokers = sum(pool["spec"]["replicas"] for pool in pools if "broker" in pool["spec"]["roles"])
    controllers = sum(
        pool["spec"]["replicas"] for pool in pools if "controller" in pool["spec"]["roles"]
    )
    assert brokers >= 3
    assert controllers in (3, 5)
    config = kafka["spec"]["kafka"]["config"]
    assert config["default.replication.factor"] == 3
    assert config["min.insync.replicas"] == 2
    assert config["auto.create.topics.enable"] is False
    assert "topicOperator" in kafka["spec"]["entityOperator"]
    settings = of_kind(docs, "ConfigMap")
    (shared,) = (cm for cm_name, cm in settings.items() if cm_name.startswith("wfa-settings-"))
    assert shared["data"]["TOPIC_REPLICATION"] == "3"
    assert shared["data"]["KAFKA_BOOTSTRAP"] == "wfa-kafka-bootstrap:9092"


def test_clickhouse_is_reached_inside_the_cluster_where_the_services_look() -> None:
    docs = rendered("base")
    (chi,) = of_kind(docs, "ClickHouseInstallation").values()
    templates = {t["name"]: t for t in chi["spec"]["templates"]["serviceTemplates"]}
    entry = templates[chi["spec"]["defaults"]["templates"]["serviceTemplate"]]
    assert entry["spec"]["type"] == "ClusterIP"  # the operator's default is a LoadBalancer
    host = entry["generateName"].replace("{chi}", chi["metadata"]["name"])
    users = chi["spec"]["configuration"]["users"]
    assert users["wfa/k8s_secret_password"] == "wfa-clickhouse/password"
    config_maps = of_kind(docs, "ConfigMap")
    for service, deployment in of_kind(docs, "Deployment").items():
        sources = set(env_sources(deployment))
        env = {
            key: value
            for kind, name in sources
            if kind == "ConfigMap"
            for key, value in config_maps[name]["data"].items()
        }
        if service in STORE_USERS:
            assert env["CLICKHOUSE_URL"] == f"http://{host}:8123", service
            assert env["CLICKHOUSE_USER"] == "wfa", service
            assert ("Secret", "wfa-clickhouse") in sources, service
        else:  # no store: the production check of the ClickHouse password must not apply
            assert "CLICKHOUSE_URL" not in env, service


# the services --------------------------------------------------------------------------------


def containers(deployment: Doc) -> list[Doc]:
    return list(deployment["spec"]["template"]["spec"]["containers"])


def selects(selector: dict[str, str], deployment: Doc) -> bool:
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


@pytest.mark.parametrize("name", sorted(KUSTOMIZATIONS))
def test_every_service_has_probes_resources_a_service_and_a_budget(name: str) -> None:
    docs = rendered(name)
    deployments = of_kind(docs, "Deployment")
    assert set(deployments) == set(SERVICES)
    services = of_kind(docs, "Service")
    budgets = of_kind(docs, "PodDisruptionBudget")
    for service in SERVICES:
        deployment = deployments[service]
        (container,) = containers(deployment)
        ports = {port["name"]: port["containerPort"] for port in container["ports"]}
        for probe, path in (("readinessProbe", "/ready"), ("livenessProbe", "/health")):
            get = container[probe]["httpGet"]
            assert get["path"] == path, (service, probe)
            assert get["port"] in ports or get["port"] in ports.values(), (service, probe)
        resources = container["resources"]
        assert {"cpu", "memory"} <= set(resources["requests"]), service
        assert "memory" in resources["limits"], service
        assert any(selects(svc["spec"]["selector"], deployment) for svc in services.values()), (
            service
        )
        assert any(
            selects(pdb["spec"]["selector"]["matchLabels"], deployment) for pdb in budgets.values()
        ), service


@pytest.mark.parametrize("name", sorted(KUSTOMIZATIONS))
def test_services_scale_by_instances_within_their_partitions(name: str) -> None:
    docs = rendered(name)
    deployments = of_kind(docs, "Deployment")
    autoscalers = {
        hpa["spec"]["scaleTargetRef"]["name"]: hpa
        for hpa in of_kind(docs, "HorizontalPodAutoscaler").values()
    }
    assert set(autoscalers) == set(SERVICES) - SINGLE_INSTANCE
    for service, hpa in autoscalers.items():
        assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        if service in CONSUMERS:
            assert hpa["spec"]["maxReplicas"] <= DEFAULT_PARTITIONS, service
        # the autoscaler owns the count: a replicas field would reset it at every apply
        assert "replicas" not in deployments[service]["spec"], service
    for service in SINGLE_INSTANCE:
        assert deployments[service]["spec"]["replicas"] == 1
        assert deployments[service]["spec"]["strategy"]["type"] == "Recreate"


def env_sources(deployment: Doc) -> Iterator[tuple[str, str]]:
    """(kind, name) of every ConfigMap and Secret a Deployment's container reads."""
    for container in containers(deployment):
        for source in container.get("envFrom", ()):
            for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                if key in source:
                    yield kind, source[key]["name"]
        for var in container.get("env", ()):
            ref = var.get("valueFrom", {})
            for kind, key in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
                if key in ref:
                    yield kind, ref[key]["name"]


def test_settings_and_secrets_are_where_the_services_read_them() -> None:
    base, production = rendered("base"), rendered("production")
    base_secrets = of_kind(base, "Secret")
    assert set(base_secrets) == {"wfa-token-keys", "wfa-audit-signing-key", "wfa-clickhouse"}
    for secret in base_secrets.values():
        assert all("REPLACE-ME" in value for value in secret["stringData"].values())
    assert not of_kind(production, "Secret"), "the production overlay must hold no Secret"
    for docs in (base, production):
        config_maps = of_kind(docs, "ConfigMap")
        secrets_read: set[str] = set()
        for service, deployment in of_kind(docs, "Deployment").items():
            sources = set(env_sources(deployment))
            for kind, name in sources:
                if kind == "ConfigMap":
                    assert name in config_maps, (service, name)
                else:
                    secrets_read.add(name)
            env = {
                key: value
                for kind, name in sources
                if kind == "ConfigMap"
                for key, value in config_maps[name]["data"].items()
            }
            assert env["SERVICE_NAME"] == service
            assert env["WFA_ENV"] == "production"
            names = {var["name"] for c in containers(deployment) for var in c.get("env", ())}
            assert "JWT_SECRET" in names, service
            assert ("AUDIT_SIGNING_KEY" in names) == (service == "audit"), service
        assert secrets_read <= set(base_secrets)


def known_settings() -> set[str]:
    """Every environment variable the services read: their settings' aliases, the purge's
    prefixed fields, and uvicorn's worker count of the image's command."""
    names = {"WEB_CONCURRENCY", "LOG_FORMAT", "LOG_LEVEL"}
    for model in (Settings, WebSettings):
        for field in model.model_fields.values():
            if isinstance(field.validation_alias, str):
                names.add(field.validation_alias)
    prefix = PurgeSettings.model_config.get("env_prefix", "")
    names.update(f"{prefix}{name}".upper() for name in PurgeSettings.model_fields)
    return names


@pytest.mark.parametrize("name", sorted(KUSTOMIZATIONS))
def test_every_setting_in_the_config_maps_is_one_the_services_read(name: str) -> None:
    """A misspelt variable would be ignored silently (the settings ignore unknown ones)."""
    known = known_settings()
    for config_map in of_kind(rendered(name), "ConfigMap").values():
        unknown = set(config_map["data"]) - known
        assert not unknown, (config_map["metadata"]["name"], unknown)


def test_the_image_the_deployments_run_carries_every_package() -> None:
    """The one image (deploy/compose/Dockerfile) holds every package pyproject installs."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = [
        p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    ]
    dockerfile = (ROOT / "deploy" / "compose" / "Dockerfile").read_text(encoding="utf-8")
    for package in packages:
        assert f"COPY {package} ./{package}\n" in dockerfile, package
    for deployment in of_kind(rendered("production"), "Deployment").values():
        (container,) = containers(deployment)
        assert container["image"].rpartition(":")[0].endswith("/wfa-platform")


# alerts --------------------------------------------------------------------------------------


def exposed_metric_names() -> set[str]:
    """The sample names Prometheus scrapes from the metrics services/runtime/metrics.py
    defines (a counter's ``_total``, a histogram's ``_bucket``, ``_sum`` and ``_count``)."""
    suffixes = {
        "counter": ("_total", "_created"),
        "gauge": ("",),
        "histogram": ("_bucket", "_sum", "_count", "_created"),
        "summary": ("", "_sum", "_count", "_created"),
        "info": ("_info",),
    }
    names: set[str] = set()
    for value in vars(metrics).values():
        if not isinstance(value, MetricWrapperBase):
            continue
        for family in value.describe():
            names.update(family.name + suffix for suffix in suffixes.get(family.type, ("",)))
    return names


def test_every_alert_uses_metrics_that_exist() -> None:
    rules = of_kind(rendered("production"), "PrometheusRule")
    exposed = exposed_metric_names()
    assert "wfa_http_requests_total" in exposed
    alerts = [rule for r in rules.values() for g in r["spec"]["groups"] for rule in g["rules"]]
    assert len(alerts) >= 8
    for alert in alerts:
        used = set(re.findall(r"\bwfa_[a-z0-9_]+\b", alert["expr"]))
        # the scrape's own up series, or the platform's metrics
        assert used or alert["expr"].startswith("up{"), alert["alert"]
        assert used <= exposed, (alert["alert"], used - exposed)
    documented = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for alert in alerts:
        assert alert["alert"] in documented, f"{alert['alert']} is not explained in the guide"
