#!/usr/bin/python3
"""Static checks of deploy/: the manifests cannot run on the build machine."""
import configparser
import pathlib
import sys

import yaml

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
errors = []

def check(cond, what):
    if not cond:
        errors.append(what)

docs = list(yaml.safe_load_all((root / "deploy/kubernetes/deployment.yaml").read_text()))
dep = docs[0]
check(dep["kind"] == "Deployment", "deployment.yaml is a Deployment")
spec = dep["spec"]["template"]["spec"]
check(spec["terminationGracePeriodSeconds"] > 30, "grace period above the 30 s shutdown timeout")
c = spec["containers"][0]
check(c["readinessProbe"]["httpGet"]["path"] == "/ready", "readiness on /ready")
check(c["livenessProbe"]["httpGet"]["path"] == "/health", "liveness on /health")
check("--http" in c["args"], "worker serves HTTP for the probes")
check(dep["spec"]["selector"]["matchLabels"].items() <= dep["spec"]["template"]["metadata"]["labels"].items(),
      "selector matches the pod labels")

keda = list(yaml.safe_load_all((root / "deploy/kubernetes/keda-scaledobject.yaml").read_text()))
so = keda[0]
check(so["apiVersion"].startswith("keda.sh/") and so["kind"] == "ScaledObject", "a KEDA ScaledObject")
check(so["spec"]["scaleTargetRef"]["name"] == dep["metadata"]["name"], "scales the worker Deployment")
check(1 <= so["spec"]["minReplicaCount"] <= so["spec"]["maxReplicaCount"], "sane replica bounds")
check(any(t["type"] in ("prometheus", "redis") for t in so["spec"]["triggers"]), "a queue-depth trigger")
# Every metric a Prometheus trigger queries must be one the workers export.
import re
exported = set(re.findall(r'"(postwork_[a-z_]+)"', "".join(
    p.read_text() for p in (root / "src").rglob("*.cpp"))))
for t in so["spec"]["triggers"]:
    if t["type"] != "prometheus":
        continue
    for name in re.findall(r"postwork_[a-z_]+", t["metadata"]["query"]):
        check(name in exported, f"KEDA query metric {name} is exported by the worker")

for unit in ("postwork-worker@.service", "postwork-supervise.service"):
    cp = configparser.ConfigParser(strict=False, interpolation=None)
    cp.read_string((root / "deploy/systemd" / unit).read_text())
    svc = cp["Service"]
    check(svc.get("KillSignal") == "SIGTERM", f"{unit}: graceful SIGTERM")
    check(int(svc.get("TimeoutStopSec", "0")) > 30, f"{unit}: stop timeout above the shutdown timeout")
    check("postwork" in svc.get("ExecStart", ""), f"{unit}: runs postwork")

cf = (root / "deploy/Containerfile").read_text()
check("install-deps.sh" in cf and "debian:12" in cf, "Containerfile builds from Debian packages")

if errors:
    print("deploy manifests: FAILED:\n  " + "\n  ".join(errors))
    sys.exit(1)
print("deploy manifests: all checks passed")
