"""
The official Python client (Debian's python3-kubernetes) against Skiff: CRUD on core
and apps kinds, every patch form the client sends, lists with label and field
selectors, and watch.Watch().stream seeing changes made meanwhile. Prints one JSON
line of results; any failed check exits non-zero with the reason.

Usage: python3 python_suite.py KUBECONFIG NAMESPACE
"""
import json
import sys
import threading
import time

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

kubeconfig, ns = sys.argv[1], sys.argv[2]
config.load_kube_config(config_file=kubeconfig)
core = client.CoreV1Api()
apps = client.AppsV1Api()
results = {}


def check(name, cond, detail=""):
    if not cond:
        print(json.dumps({"failed": name, "detail": str(detail)}))
        sys.exit(1)
    results[name] = True


# --- CRUD ---
core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns)))
check("namespace read", core.read_namespace(ns).status.phase == "Active")

cm = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py-cm", labels={"app": "py", "tier": "a"}), data={"k": "v"})
created = core.create_namespaced_config_map(ns, cm)
check("create configmap", created.metadata.uid and created.data == {"k": "v"}, created)
got = core.read_namespaced_config_map("py-cm", ns)
check("read configmap", got.data["k"] == "v" and got.metadata.resource_version, got)

got.data["k"] = "v2"
replaced = core.replace_namespaced_config_map("py-cm", ns, got)
check("replace configmap", replaced.data["k"] == "v2", replaced)

stale = got
stale.metadata.resource_version = created.metadata.resource_version
try:
    core.replace_namespaced_config_map("py-cm", ns, stale)
    check("replace with stale resourceVersion conflicts", False)
except ApiException as e:
    check("replace with stale resourceVersion conflicts", e.status == 409 and json.loads(e.body)["reason"] == "Conflict", e.body)

try:
    core.read_namespaced_config_map("nope", ns)
    check("missing object is 404", False)
except ApiException as e:
    check("missing object is 404", e.status == 404 and json.loads(e.body)["reason"] == "NotFound", e.body)

# --- patch: a dict body, and a JSON Patch list ---
patched = core.patch_namespaced_config_map("py-cm", ns, {"data": {"extra": "1"}})
check("patch with a dict", patched.data == {"k": "v2", "extra": "1"}, patched.data)
patched = core.patch_namespaced_config_map("py-cm", ns, [{"op": "replace", "path": "/data/extra", "value": "2"}])
check("patch with a JSON Patch list", patched.data["extra"] == "2", patched.data)

# --- apps ---
dep = client.V1Deployment(
    metadata=client.V1ObjectMeta(name="py-web", labels={"app": "py-web"}),
    spec=client.V1DeploymentSpec(
        replicas=2,
        selector=client.V1LabelSelector(match_labels={"app": "py-web"}),
        template=client.V1PodTemplateSpec(
            metadata=client.V1ObjectMeta(labels={"app": "py-web"}),
            spec=client.V1PodSpec(containers=[client.V1Container(name="web", image="nginx:1.25", ports=[client.V1ContainerPort(container_port=80)])]),
        ),
    ),
)
d = apps.create_namespaced_deployment(ns, dep)
check("create deployment (defaults applied)", d.spec.strategy.type == "RollingUpdate" and d.spec.template.spec.containers[0].image_pull_policy == "IfNotPresent", d.spec)
scale = apps.patch_namespaced_deployment_scale("py-web", ns, {"spec": {"replicas": 3}})
check("patch deployment scale", scale.spec.replicas == 3, scale)
check("read scaled deployment", apps.read_namespaced_deployment("py-web", ns).spec.replicas == 3)

# --- lists with selectors ---
core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py-cm2", labels={"app": "py", "tier": "b"})))
core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="other", labels={"app": "other"})))
names = lambda items: sorted(i.metadata.name for i in items)
check("label selector =", names(core.list_namespaced_config_map(ns, label_selector="app=py").items) == ["py-cm", "py-cm2"])
check("label selector in/notin", names(core.list_namespaced_config_map(ns, label_selector="app=py,tier notin (a)").items) == ["py-cm2"])
check("field selector metadata.name", names(core.list_namespaced_config_map(ns, field_selector="metadata.name=other").items) == ["other"])
page = core.list_namespaced_config_map(ns, limit=1)
check("paged list", len(page.items) == 1 and page.metadata._continue, page.metadata)
rest = core.list_namespaced_config_map(ns, limit=10, _continue=page.metadata._continue)
check("continue token", len(rest.items) >= 2, rest.metadata)

# --- watch ---
seen = []
rv = core.list_namespaced_config_map(ns).metadata.resource_version


def mutate():
    time.sleep(0.5)
    core.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="w1", labels={"w": "1"})))
    core.patch_namespaced_config_map("w1", ns, {"data": {"a": "b"}})
    core.delete_namespaced_config_map("w1", ns)


t = threading.Thread(target=mutate)
t.start()
w = watch.Watch()
for event in w.stream(core.list_namespaced_config_map, ns, label_selector="w=1", resource_version=rv, timeout_seconds=30):
    seen.append((event["type"], event["object"].metadata.name))
    if event["type"] == "DELETED":
        w.stop()
t.join()
check("watch stream sees ADDED, MODIFIED, DELETED", seen == [("ADDED", "w1"), ("MODIFIED", "w1"), ("DELETED", "w1")], seen)

# --- delete ---
status = core.delete_namespaced_config_map("py-cm2", ns)
check("delete configmap", status is not None)
try:
    core.read_namespaced_config_map("py-cm2", ns)
    check("deleted object is gone", False)
except ApiException as e:
    check("deleted object is gone", e.status == 404)

print(json.dumps({"ok": True, "checks": sorted(results)}))
