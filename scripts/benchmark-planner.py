#!/usr/bin/env python3
"""The planner's benchmark: how long k8slab_converge.planner.plan() takes as the lab grows.

Builds the planner's inputs directly (model objects, not a request through the schema: 4,000 workers
is past what the app configures and the schema names) for each size and case, times plan() alone
(perf_counter), and prints a markdown table: the median of the runs, microseconds per node, and the
plan's size (actions, and host names across them). Asserts no time: a benchmark, not a test.

Cases, each with 3 control-plane nodes and N workers:
  first deploy   no cluster yet: prepare, cluster.yml, wait for every node.
  replace all    every worker has a new instance (a changed launch template), maxSurge 10: successors
                 join, predecessors drain, N/10 batches each waiting for the whole cluster (the heavy case).
  upgrade all    every node runs the previous Kubernetes patch, maxSurge 10: the control plane, then
                 the workers 10 at a time.

Usage: scripts/benchmark-planner.py [--runs 5] [--sizes 250,1000,4000] [--cases first,replace,upgrade]
Needs only python3 (no AWS, no jsonschema): the planner is pure.
"""
import argparse
import gc
import os
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "converge"))

from k8slab_converge import contract  # noqa: E402
from k8slab_converge.model import CONTROL_PLANE, WORKER, Cluster, ClusterNode, DesiredNode, Instance, Request  # noqa: E402
from k8slab_converge.planner import plan  # noqa: E402

CONTROL_PLANES = 3
SURGE = 10
PREFIX = {CONTROL_PLANE: contract.facts()["roles"]["controlPlane"]["namePrefix"],
          WORKER: contract.facts()["roles"]["worker"]["namePrefix"]}


def instance_id(serial: int) -> str:
    """A distinct 17-hex-digit ID; its last six digits (the host name's suffix) are distinct too."""
    return f"i-{serial:017x}"


def address(serial: int) -> str:
    return f"10.{serial >> 16 & 255}.{serial >> 8 & 255}.{serial & 255}"


def previous(version: str) -> str:
    """The Kubernetes version before `version`: the previous patch (or the previous minor's .0)."""
    major, minor, patch = (int(p) for p in version.split("."))
    return f"{major}.{minor}.{patch - 1}" if patch else f"{major}.{minor - 1}.0"


def nodes(workers: int, first_serial: int):
    """(name, role, instance ID) of 3 control-plane nodes and `workers` workers."""
    names = [(f"{PREFIX[CONTROL_PLANE]}{i}", CONTROL_PLANE) for i in range(1, CONTROL_PLANES + 1)]
    names += [(f"{PREFIX[WORKER]}{i}", WORKER) for i in range(1, workers + 1)]
    return [(name, role, instance_id(first_serial + k)) for k, (name, role) in enumerate(names)]


def request(desired, kubernetes: str) -> Request:
    return Request(id="0123456789ab", signal="https://example.invalid/signal", kubespray=contract.kubespray().tag,
                   kubernetes=kubernetes, max_surge=SURGE, forks=50,
                   nodes=tuple(DesiredNode(name, role, iid) for name, role, iid in desired))


def instances(*sets):
    result = {}
    for desired in sets:
        for name, role, iid in desired:
            result[iid] = Instance(iid, name, role, "running", address(int(iid[2:], 16)))
    return result


def cluster(members, req: Request, kubernetes: str) -> Cluster:
    """The cluster of `members`, recorded as converged to req's settings at `kubernetes`."""
    cluster_nodes = {}
    for name, role, iid in members:
        host = f"{name}-{iid[-6:]}"
        cluster_nodes[host] = ClusterNode(host, address(int(iid[2:], 16)), True, role == CONTROL_PLANE,
                                          tainted=role == CONTROL_PLANE, kubelet=f"v{kubernetes}")
    cps = [iid for _, role, iid in members if role == CONTROL_PLANE]
    return Cluster(via=cps[0], nodes=cluster_nodes, kubespray=req.kubespray, kubernetes=kubernetes, network=req.network,
                   fingerprint=req.fingerprint, addons=req.addons)


def case_first(workers: int):
    want = contract.kubespray().default_version
    desired = nodes(workers, 1)
    return request(desired, want), instances(desired), None


def case_replace(workers: int):
    """Every worker replaced: the request names new instances, EC2 runs old and new, the cluster holds the old."""
    want = contract.kubespray().default_version
    old = nodes(workers, 1)
    new = old[:CONTROL_PLANES] + nodes(workers, 1_000_000)[CONTROL_PLANES:]
    req = request(new, want)
    return req, instances(old, new), cluster(old, req, want)


def case_upgrade(workers: int):
    want = contract.kubespray().default_version
    desired = nodes(workers, 1)
    req = request(desired, want)
    return req, instances(desired), cluster(desired, req, previous(want))


CASES = {"first": ("first deploy", case_first), "replace": ("replace all, maxSurge 10", case_replace),
         "upgrade": ("upgrade all, maxSurge 10", case_upgrade)}


def measure(build, workers: int, runs: int):
    """(median seconds, the plan) of plan() on the case's inputs, built once."""
    inputs = build(workers)
    times, result = [], None
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        result = plan(*inputs)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Times the convergence planner (median of RUNS per size and case).")
    parser.add_argument("--runs", type=int, default=5, help="runs per size and case (default 5)")
    parser.add_argument("--sizes", default="250,1000,4000", help="worker counts, comma-separated (default 250,1000,4000)")
    parser.add_argument("--cases", default=",".join(CASES), help=f"of {', '.join(CASES)} (default all)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    cases = args.cases.split(",")
    if args.runs < 1 or any(s < 1 for s in sizes) or any(c not in CASES for c in cases):
        parser.error("runs and sizes must be at least 1, cases among " + ", ".join(CASES))

    print(f"plan(), median of {args.runs} runs; nodes = {CONTROL_PLANES} control-plane + workers; "
          f"Python {sys.version.split()[0]}")
    print()
    print("| case | nodes | median | µs per node | actions | host names in the plan |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for case in cases:
        title, build = CASES[case]
        for workers in sizes:
            seconds, result = measure(build, workers, args.runs)
            count = workers + CONTROL_PLANES
            named = sum(len(a.hosts) for a in result.actions)
            print(f"| {title} | {count:,} | {seconds * 1000:,.1f} ms | {seconds * 1e6 / count:,.1f} | "
                  f"{len(result.actions):,} | {named:,} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
