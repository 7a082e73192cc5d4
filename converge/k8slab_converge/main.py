"""One convergence run, from the k8slab-converge timer (every 30 s): read the request; if this
version of it is new, observe EC2 and the cluster, plan, act, and signal the wait condition.
Every failure, from a missing tool to a playbook, signals FAILURE at once with its reason."""
import fcntl
import json
import os
import re
import sys
import time
import traceback

from . import aws, kubeconfig, snapshots, spot
from .execute import Executor, Failure, Settings
from .model import InvalidRequest, RequestError, parse_request
from .model import CONTROL_PLANE
from .planner import Host, Plan
from .planner import plan as make_plan


def main(env=os.environ) -> int:
    s = Settings(env)
    os.makedirs(s.state, exist_ok=True)
    os.makedirs(s.logs, exist_ok=True)
    ssm = aws.client("ssm", s.region)
    found = aws.read_request(ssm, s.parameter)
    if found is None:
        return 0  # no Nodes stack deployed yet
    version, header, parts = found
    header_id, signal_url = addresses(header, s.signal_hosts)
    handled_file = os.path.join(s.state, "handled")
    marker = f"{version} {header_id}"
    if os.path.exists(handled_file) and open(handled_file).read().strip() == marker:
        return 0
    lock = open(os.path.join(s.state, "lock"), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return 0  # another run is converging

    log_path = os.path.join(s.logs, f"converge-{header_id}-v{version}.log")
    log_file = open(log_path, "w")
    log = logger(log_file)

    try:
        missing = s.missing_tools()
        if missing:
            raise Failure(f"missing on the bastion: {', '.join(missing)} (see /var/log/cloud-init-output.log)")
        request = None
        for attempt in range(1, s.request_attempts + 1):
            try:
                request = parse_request(header, parts)
                break
            except InvalidRequest as e:
                raise Failure(str(e)) from e  # the same text again next time: no retry
            except RequestError as e:
                if attempt == s.request_attempts:
                    raise Failure(f"the request stayed incomplete: {e}")
                log(f"request incomplete ({e}); reading it again")
                time.sleep(s.pause)
                found = aws.read_request(ssm, s.parameter)
                if found is None:
                    return 0
                version, header, parts = found
        assert request is not None
        if not aws.signal_allowed(request.signal, s.signal_hosts):  # addresses() left signal_url None
            raise Failure(f"the request's signal URL is not a CloudFormation wait condition's of {s.region} "
                          f"(https://{s.signal_hosts[0]}/...): nothing ran, and nothing is sent there")
        signal_url = request.signal
        log(f"request {request.id} (version {version}): {len(request.nodes)} nodes, kubespray {request.kubespray}, "
            f"Kubernetes {request.kubernetes} ({request.network_plugin}, add-ons: {', '.join(request.addons) or 'none'}), "
            f"maxSurge {request.max_surge}, forks {request.forks}")
        if request.kubespray != s.kubespray_version:
            raise Failure(f"the request wants kubespray {request.kubespray}, this bastion has {s.kubespray_version}: "
                          "deploy the Bastion stack first (npx cdk deploy --all does)")

        ec2 = aws.client("ec2", s.region)
        instances = wait_for_instances(ec2, s, request, log)
        executor = Executor(s, request, log, instances_now=lambda ids: aws.lab_instances(ec2, s.environment, ids))
        cluster = executor.find_cluster(instances)
        snapshot = None if cluster else snapshots.latest(s.state, request, s.region, s.environment)
        plan = make_plan(request, instances, cluster, snapshot)
        log("plan:\n" + "\n".join(f"  {a}" for a in plan.actions))
        for note in plan.notes:
            log(f"note: {note}")
        executor.execute(plan)
        notes = plan.notes + after_success(ssm, ec2, s, request, version, instances, log)
        ready = sum(1 for h in plan.hosts.values() if h.desired)
        reason = f"{ready} nodes Ready" + "".join(f"; {n}" for n in notes)
        log(f"converged: {reason}")
        aws.signal(signal_url, "SUCCESS", reason, request.id, log)
        return_code = 0
    except Exception as e:  # noqa: BLE001 - every failure must reach the deploy
        if isinstance(e, Failure):
            reason = str(e)
        else:
            reason = f"internal error: {type(e).__name__}: {e}"
            log(traceback.format_exc(), raw=True)
        log(f"FAILED: {reason}")
        log_file.flush()
        tail = " | ".join(line.strip()[:160] for line in open(log_path).read().splitlines()[-20:])
        if signal_url:
            aws.signal(signal_url, "FAILURE", f"{reason}; log {log_path} ends: {tail}"[:3900], header_id, log)
        else:
            log("cannot signal the failure: the request's header has no signal URL of a CloudFormation wait condition")
        return_code = 1
    with open(handled_file, "w") as f:
        f.write(marker + "\n")
    return return_code


def logger(log_file):
    """The run's log: timestamped lines to the file and standard output (raw: a tool's output, to the file only)."""
    def log(text: str, raw: bool = False) -> None:
        if not text:
            return
        line = text if raw else f"{time.strftime('%H:%M:%S', time.gmtime())} {text}\n"
        log_file.write(line if line.endswith("\n") else line + "\n")
        log_file.flush()
        if not raw:
            sys.stdout.write(line)
            sys.stdout.flush()
    return log


def snapshot_main(env=os.environ, force: bool = False) -> int:
    """The k8slab-snapshot timer (hourly): an etcd snapshot to the lab's bucket when the newest is older
    than the request's snapshotHours (or force), unless a convergence runs (it takes its own before it
    changes the control plane) or no cluster runs. Exit 1 only when a due snapshot failed."""
    s = Settings(env)
    os.makedirs(s.state, exist_ok=True)
    os.makedirs(s.logs, exist_ok=True)
    lock = open(os.path.join(s.state, "lock"), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        print("a convergence runs: no snapshot now")
        return 0
    found = aws.read_request(aws.client("ssm", s.region), s.parameter)
    if found is None:
        print("no request: no lab deployed yet")
        return 0
    try:
        request = parse_request(found[1], found[2])
    except (InvalidRequest, RequestError) as e:
        print(f"the request cannot be read ({e}): no snapshot")
        return 1
    latest = snapshots.latest(s.state, request, s.region, s.environment)
    hours = getattr(request, "snapshot_hours", 6)
    if latest and not force and snapshots.age_hours(latest) < hours:
        print(f"the newest snapshot ({latest}) is younger than {hours} h")
        return 0
    log = logger(open(os.path.join(s.logs, f"snapshot-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.log"), "w"))

    ec2 = aws.client("ec2", s.region)
    instances = aws.lab_instances(ec2, s.environment)
    executor = Executor(s, request, log)
    try:
        cluster = executor.find_cluster(instances)
        if cluster is None:
            log("no cluster runs: no snapshot")
            return 0
        via = instances[cluster.via]
        plan = Plan(hosts={via.host: Host(via.host, CONTROL_PLANE, via.ip, True, instance_id=via.id)},
                    control_plane=[via.host])
        plan.add("snapshot", [via.host], "scheduled")
        executor.execute(plan)
        return 0
    except Failure as e:
        log(f"FAILED: {e}")
        return 1


def addresses(header: str, signal_hosts):
    """The header's id and signal URL, whatever else is wrong with it: the log's name and where a
    failure goes. An invalid header fails its deploy like any failure, once."""
    try:
        doc = json.loads(header)
    except ValueError:
        doc = None
    doc = doc if isinstance(doc, dict) else {}
    header_id, signal_url = doc.get("id"), doc.get("signal")
    # The id names the log file: only a plain word does (the schema says what a valid one is).
    return (header_id if isinstance(header_id, str) and re.fullmatch("[0-9A-Za-z]{1,64}", header_id) else "unknown",
            signal_url if isinstance(signal_url, str) and aws.signal_allowed(signal_url, signal_hosts) else None)


def after_success(ssm, ec2, s: Settings, request, version: int, instances, log):
    """Cancel the spot requests of instances CloudFormation is about to delete; store the admin
    kubeconfig. Neither fails the converged deploy: a problem becomes a note in its reason."""
    try:
        written = ssm.get_parameter(Name=f"{s.parameter}:{version}")["Parameter"]["LastModifiedDate"]
        notes = spot.release(ec2, request, instances, written, log)
    except Exception as e:  # noqa: BLE001
        notes = [f"spot requests of removed nodes not checked ({e})"]
    note = s.kubeconfig_parameter and kubeconfig.store(ssm, s.kubeconfig_parameter, s.kubeconfig, s.environment, log)
    return notes + ([note] if note else [])


def wait_for_instances(ec2, s: Settings, request, log):
    """Until no requested instance is still pending (bounded): running ones converge, others are dead."""
    for attempt in range(1, s.instance_attempts + 1):
        instances = aws.lab_instances(ec2, s.environment)
        pending = [n.name for n in request.nodes
                   if n.instance_id in instances and instances[n.instance_id].state == "pending"]
        if not pending:
            return instances
        if attempt == s.instance_attempts:
            raise Failure(f"{len(pending)} requested nodes never left 'pending': {' '.join(pending[:10])}")
        log(f"waiting for {len(pending)} nodes to run")
        time.sleep(s.pause)
    return {}
