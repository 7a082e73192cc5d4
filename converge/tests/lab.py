"""A lab in the AWS emulator (moto, at $AWS_ENDPOINT_URL): plays CloudFormation (instances with
the lab's tags, the request in SSM, creation before deletion, rollbacks) and the bastion (runs the
real k8slab_converge with stand-ins for ansible-playbook and kubectl), and records the signals."""
import atexit
import functools
import gc
import hashlib
import http.server
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request
import warnings

import interpreter
import warm
from k8slab_converge import contract

# The warning filters of a fresh interpreter (this module loads before unittest sets its own), which
# the program forked by run_program runs with, as on the bastion.
FRESH_WARNINGS = list(warnings.filters)

HERE = os.path.dirname(os.path.abspath(__file__))
CONTROL_HOST = os.path.dirname(HERE)
STANDINS = os.path.join(HERE, "standins")
IMAGE = "ami-0123456789abcdef0"  # an example AMI ID; the emulator accepts any
REGION = "eu-west-1"  # the labs', their bastions' and the emulator's clients'
SSM_STANDARD_BYTES = 4096
ID_BYTES = len("i-0123456789abcdef0")  # the longest instance ID a Ref resolves to

DEFAULTS = {"kubespray": "v2.31.0", "kubernetes": "1.35.4", "maxSurge": 1, "forks": 5, "downloadOnce": False,
            "podCidr": "10.233.64.0/18", "nodePrefix": 24, "drainSeconds": 300,
            "networkPlugin": "calico", "serviceCidr": "10.233.0.0/18", "addons": [], "allowRebuild": False,
            "snapshotBucket": "k8slab-dev-security-snapshotbucket07f3b8c2-0a1b2c3d4e5f", "snapshotHours": 6, "snapshotDays": 7}

# The kubernetes: section as kubespray v2.31.0's variables, as the Nodes stack renders them for the
# request's groupVars (Infra/Cluster/GroupVars.cs; ConvergenceProgramTests holds this copy to it):
# the version and ranges, the plugin's pinned mode, every add-on's switch (off ones too).
ADDON_SWITCHES = {"metricsServer": "metrics_server_enabled", "localPathProvisioner": "local_path_provisioner_enabled",
                  "helm": "helm_enabled", "certManager": "cert_manager_enabled"}
PLUGIN_VARS = {
    "calico": {"calico_network_backend": "vxlan", "calico_vxlan_mode": "Always", "calico_ipip_mode": "Never",
               "calico_vxlan_port": 4789, "typha_enabled": False, "calico_wireguard_enabled": False},
    "cilium": {"cilium_tunnel_mode": "vxlan", "cilium_enable_hubble": False, "cilium_enable_prometheus": False,
               "cilium_encryption_enabled": False},
    "flannel": {"flannel_backend_type": "vxlan", "flannel_vxlan_port": 8472},
}


def group_vars(kubernetes="1.35.4", plugin="calico", addons=(), pod_cidr="10.233.64.0/18",
               service_cidr="10.233.0.0/18", node_prefix=24):
    return {"kube_version": kubernetes, "kube_network_plugin": plugin, "kube_pods_subnet": pod_cidr,
            "kube_service_addresses": service_cidr, "kube_network_node_prefix": node_prefix, **PLUGIN_VARS[plugin],
            **{variable: key in addons for key, variable in ADDON_SWITCHES.items()}}


def with_group_vars(settings):
    """The settings of a request, groupVars included (rendered from the other keys)."""
    return dict(settings, addons=sorted(settings["addons"]), groupVars=group_vars(
        settings["kubernetes"], settings["networkPlugin"], settings["addons"], settings["podCidr"],
        settings["serviceCidr"], settings["nodePrefix"]))


@functools.lru_cache(maxsize=None)
def warm_models():
    """botocore's loader with the models the program reads already parsed: what a fresh interpreter
    spends most of a run on (its imports and the EC2 model's JSON, about a second here). With boto3
    and the request schema's validators (jsonschema), which every scenario's Lab uses: each forked
    scenario imported them for itself (0.17 s a scenario in a profile)."""
    import boto3  # noqa: F401
    import botocore.session
    import k8slab_converge.main  # noqa: F401 (imported once, before any fork)

    for definition in ("header", "part"):
        contract.request_problems(definition, {})

    session = botocore.session.get_session()
    for service in ("ssm", "ec2", "s3"):
        # Example keys: no credential lookup in this process; the child resolves the bastion's own.
        session.create_client(service, region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    return session.get_component("data_loader")


@functools.lru_cache(maxsize=None)
def emulator_session():
    """boto3's session for a scenario's own calls to the emulator, on the models warm_models parsed:
    boto3's default session read and parsed them again in every forked scenario (botocore's _load_file:
    3.0 s of 23 scenarios' profile). Made in the scenario's process: the runner never calls it."""
    import boto3
    import botocore.session

    session = botocore.session.get_session()
    # boto3 adds its own data folder (resource models only) to the loader's search path, which the
    # program's forks then share: it holds no service model, so their clients read the same files.
    session.register_component("data_loader", warm_models())
    return boto3.session.Session(botocore_session=session, region_name=REGION)


@functools.lru_cache(maxsize=None)
def standin_server():
    """The folder of the stand-ins' warm server (standins/server.py), started once for this process:
    its socket and its launchers, kubectl and ansible-playbook."""
    folder = tempfile.mkdtemp(prefix="k8slab-standins-")
    server = subprocess.Popen([sys.executable, "-S", os.path.join(STANDINS, "server.py"), folder, str(os.getpid())],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)

    def stop():
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(folder, True)
    atexit.register(stop)
    if server.stdout.readline().strip() != "ready":
        raise AssertionError(f"the stand-ins' server did not start (exit code {server.wait(timeout=10)})")
    return folder


def run_program(args, env, timeout, fresh=False):
    """`python3 -m k8slab_converge ARGS` as the bastion's timer runs it, in a process forked from this
    one with the program's modules and botocore's models loaded (warm_models): a real process, with the
    bastion's environment and its own output, that a stand-in can kill (SIGKILL) as on the bastion.
    fresh: in a new interpreter instead, as on the bastion (a scenario keeps the fork honest with it)."""
    if fresh:
        try:
            return subprocess.run([sys.executable, "-m", "k8slab_converge"] + list(args), env=env,
                                  capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            raise AssertionError(f"k8slab_converge {' '.join(args)} did not finish within {timeout} s") from e
    import botocore.session
    import runpy
    import traceback

    loader = warm_models()
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 1
        gc.freeze()  # the inherited objects stay out of the child's collections: no copy of their pages
        try:
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            os.dup2(out.fileno(), 1)
            os.dup2(err.fileno(), 2)
            interpreter.streams(env)
            os.environ.clear()
            os.environ.update(env)
            time.tzset()
            warnings.filters[:] = FRESH_WARNINGS
            warnings._filters_mutated()  # forget the parent's cached decisions
            sys.argv = ["k8slab_converge"] + list(args)
            botocore.session.create_loader = lambda *_: loader  # the same model files, parsed once
            code = interpreter.run(lambda: runpy.run_module("k8slab_converge", run_name="__main__"))
        except BaseException:  # noqa: B902 (the run could not be set up)
            traceback.print_exc()
        finally:
            os._exit(code)
    expired = threading.Event()

    def expire():  # a hang fails the scenario: a SIGKILL here would pass for a stand-in's kill
        expired.set()
        os.kill(pid, 9)
    timer = threading.Timer(timeout, expire)
    timer.start()
    try:
        _, status = os.waitpid(pid, 0)
    finally:
        timer.cancel()
    if expired.is_set():
        raise AssertionError(f"k8slab_converge {' '.join(args)} did not finish within {timeout} s")
    def text(f):
        f.seek(0)
        with f:
            return f.read().decode(errors="replace")
    return subprocess.CompletedProcess(["k8slab_converge"] + list(args), os.waitstatus_to_exitcode(status), text(out), text(err))


def playbook_problems(calls, checkout):
    """Of the stand-ins' log of calls, each ansible-playbook run that names a playbook that does not
    exist or passes an extra variable it does not take. A path is resolved from the run's working
    directory, as ansible-playbook does: the lab's own playbooks are the files of converge/playbooks,
    kubespray's those of the release in the checkout (the contract's kubespray.txt, playbook lines)
    with the extra variables it records for them (extra lines) or kubespray's defaults."""
    release = contract.kubespray()
    lab_books = os.path.realpath(os.path.join(CONTROL_HOST, "playbooks"))
    problems = []
    for call in calls:
        if "book" not in call:
            continue
        path = os.path.realpath(os.path.join(call["cwd"], call["path"]))
        if os.path.dirname(path) == lab_books and os.path.isfile(path):
            continue
        inside = os.path.relpath(path, os.path.realpath(checkout))
        if inside.startswith("..") or inside not in release.playbooks:
            problems.append(f"{call['path']} (run in {call['cwd']}): kubespray {release.tag} has no such playbook")
            continue
        unknown = sorted(set(call["extra"]) - set(release.extra.get(inside, {})) - set(release.variables))
        if unknown:
            problems.append(f"{inside}: kubespray {release.tag}'s playbook takes no extra variable {', '.join(unknown)}")
    return problems


def require_emulator():
    if not os.environ.get("AWS_ENDPOINT_URL"):
        raise unittest.SkipTest("needs an AWS emulator: AWS_ENDPOINT_URL (Infra.Tests' ConvergenceScenarioTests starts moto_server)")
    try:
        import boto3  # noqa: F401
    except ImportError as e:
        raise AssertionError("boto3 is not installed for this python3 (it ships with the test machine's Python 3.11)") from e
    # Each scenario starts from an empty emulator (moto's reset API): moto answers a filtered
    # DescribeInstances in time linear in every instance it holds (22 s at 1,768 instances here), so
    # the labs of earlier scenarios would slow every later one.
    reset = urllib.request.Request(os.environ["AWS_ENDPOINT_URL"].rstrip("/") + "/moto-api/reset", method="POST")
    urllib.request.urlopen(reset, timeout=60).close()


def render_request(request_id, signal, nodes, settings):
    """The request as the Nodes stack writes it (Infra/Convergence/ConvergenceRequest.cs): a header
    and node parts of at most 4 KB each (SSM's Standard tier), sized for the longest instance ID.
    Each is held to the request schema, as the app's tests hold what the app writes: a request the
    schema refuses fails the scenario that writes it, here, rather than in the bastion's log."""
    parts, current, size = [], {"id": request_id}, 0
    base = len(json.dumps({"id": request_id, "control-plane": {}, "worker": {}}, separators=(",", ":")))
    for name, (role, instance_id) in nodes.items():
        entry = len(json.dumps(name)) + 1 + ID_BYTES + 2 + 1
        if size and base + size + entry > SSM_STANDARD_BYTES:
            parts.append(current)
            current, size = {"id": request_id}, 0
        current.setdefault(role, {})[name] = instance_id
        size += entry
    parts.append(current)
    header = {"schemaVersion": contract.schema_version(), "id": request_id, "signal": signal, "parts": len(parts),
              "settings": settings}
    for definition, document in [("header", header)] + [("part", p) for p in parts]:
        problems = contract.request_problems(definition, document)
        assert not problems, f"lab.py wrote a request {definition} that the schema refuses: {'; '.join(problems)}"
    return json.dumps(header, separators=(",", ":")), [json.dumps(p, separators=(",", ":")) for p in parts]


@functools.lru_cache(maxsize=None)
def loopback_certificate():
    """(certificate, key) files for 127.0.0.1, self-signed, made once a run: a wait condition
    handle's URL is https (the schema says so), so the signal server speaks TLS and the bastion
    trusts it through SSL_CERT_FILE."""
    folder = tempfile.mkdtemp(prefix="k8slab-tls-")
    atexit.register(shutil.rmtree, folder, True)
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


class SignalServer:
    """The wait condition handles: records every PUT."""

    def __init__(self):
        signals = self.signals = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_PUT(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                body["path"] = self.path
                signals.append(body)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(*loopback_certificate())
        self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        # Polled every 50 ms, not 0.5 s: close() waits for the loop to see its shutdown.
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.base = f"https://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Lab:
    """One environment. Each lab has its own name, so labs share one emulator without seeing each other."""
    count = 0

    def __init__(self, test: unittest.TestCase, workers=2, control_planes=1, spot=False, **settings):
        Lab.count += 1
        self.env = f"s{os.getpid()}x{Lab.count}"
        self.fresh_interpreter = False  # True: the program in a new interpreter per run (run_program)
        emulator = emulator_session()
        self.ec2, self.ssm, self.s3 = (emulator.client(service) for service in ("ec2", "ssm", "s3"))
        self.parameter = f"/k8slab/{self.env}/converge-request"
        self.kubeconfig_parameter = f"/k8slab/{self.env}/kubeconfig"
        self.spot = spot  # nodes on persistent spot requests, as the lab's spot launch templates ask
        self.types = {}  # role -> instance type of the template (t3.medium unless a scenario changes it)
        self.root = tempfile.mkdtemp(prefix="k8slab-lab-")
        test.addCleanup(shutil.rmtree, self.root, True)
        self.signals = SignalServer()
        test.addCleanup(self.signals.close)
        self.settings = dict(DEFAULTS, **settings)
        # The lab's snapshot bucket (the Security stack's), in the emulator's S3.
        self.bucket = f"k8slab-{self.env}-snapshots".lower()
        self.s3.create_bucket(Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        self.settings["snapshotBucket"] = self.bucket
        self.kubespray_version = self.settings["kubespray"]
        self.ips = {}  # instance ID -> private address, of running instances
        self.deploys = 0
        self.plans = []  # the planner's actions, one list a run
        self.bastion = 0
        self.new_bastion()
        self.nodes = {}  # name -> (role, instance id): the template's current instances
        for i in range(1, control_planes + 1):
            self.nodes[f"cp-{i}"] = ("control-plane", None)
        for i in range(1, workers + 1):
            self.nodes[f"worker-{i}"] = ("worker", None)

    # --- the bastion -------------------------------------------------------------------------
    def new_bastion(self, kubespray=None):
        """A fresh bastion: no state, no kubeconfig; optionally another kubespray."""
        self.bastion += 1
        if kubespray:
            self.kubespray_version = kubespray
        self.home = os.path.join(self.root, f"bastion{self.bastion}", "home")
        self.state = os.path.join(self.root, f"bastion{self.bastion}", "state")
        venv = os.path.join(self.root, f"bastion{self.bastion}", "venv", "bin")
        os.makedirs(venv)
        os.makedirs(self.home)
        # The launcher: the stand-in warm (standin_server) or, without the server in the environment, cold.
        os.symlink(warm.launcher(), os.path.join(venv, "ansible-playbook"))
        os.makedirs(self.kubespray_dir, exist_ok=True)

    def converge(self):
        """One run of the bastion's timer. Every scenario's every run is held to the playbooks that exist:
        a call of one the release lacks fails the scenario here, whatever the run's outcome."""
        calls = len(self.calls())
        proc = run_program([], self.bastion_env(), timeout=900, fresh=self.fresh_interpreter)
        self.last_output = proc.stdout + proc.stderr
        # Instances a stand-in terminated (the scenario's CloudFormation cleanup mid-run) no longer answer.
        running = set(self.model().get("running", []))
        self.ips = {i: ip for i, ip in self.ips.items() if ip in running}
        problems = playbook_problems(self.calls()[calls:], self.kubespray_dir)
        assert not problems, "the run called ansible-playbook with " + "; ".join(problems) + "\n" + self.last_output
        plan = self.last_output.split("plan:\n", 1)
        if len(plan) == 2:
            self.plans.append([line.strip() for line in plan[1].splitlines() if line.startswith("  ")])
        if os.environ.get("K8SLAB_SHOW_PLANS"):
            sys.stderr.write(f"--- converge ({self.env} deploy {self.deploys}) ---\n{self.last_output}")
        return proc.returncode

    def snapshot(self, now=True):
        """A run of the bastion's k8slab-snapshot timer (--now: whatever the newest snapshot's age)."""
        calls = len(self.calls())
        proc = run_program(["snapshot"] + (["--now"] if now else []), self.bastion_env(), timeout=300,
                           fresh=self.fresh_interpreter)
        self.last_output = proc.stdout + proc.stderr
        problems = playbook_problems(self.calls()[calls:], self.kubespray_dir)
        assert not problems, "the snapshot called ansible-playbook with " + "; ".join(problems) + "\n" + self.last_output
        return proc.returncode

    def snapshots(self):
        """The snapshots in the lab's bucket: key -> size in bytes."""
        listed = self.s3.list_objects_v2(Bucket=self.bucket)
        return {o["Key"]: o["Size"] for o in listed.get("Contents", [])}

    def bastion_env(self):
        """The bastion's environment file, as the converge and snapshot services read it; and where the
        stand-ins run: warm (standin_server) unless the scenario asks for a fresh interpreter."""
        served = {} if self.fresh_interpreter else {"WARM_SERVER": os.path.join(standin_server(), "socket")}
        environ = {k: v for k, v in os.environ.items() if k != "WARM_SERVER"}
        return dict(environ, **served,
                   LAB_ENVIRONMENT=self.env, AWS_REGION=REGION, CONVERGE_PARAMETER=self.parameter,
                   KUBECONFIG_PARAMETER=self.kubeconfig_parameter,
                   KUBESPRAY_VERSION=self.kubespray_version, KUBESPRAY_DIR=self.kubespray_dir,
                   ANSIBLE_VENV=os.path.dirname(self.venv_bin),
                   KUBECTL=os.path.join(os.path.dirname(served["WARM_SERVER"]) if served else STANDINS, "kubectl"),
                   K8SLAB_PLAYBOOKS=os.path.join(CONTROL_HOST, "playbooks"), STATE_DIR=self.state,
                   LOG_DIR=os.path.join(self.root, "log"), HOME=self.home, K8SLAB_PAUSE="0",
                   K8SLAB_READY_ATTEMPTS="5", K8SLAB_INSTANCE_ATTEMPTS="3", K8SLAB_REQUEST_ATTEMPTS="2",
                   STANDIN_STATE=self.model_path, STANDIN_CALLS=self.calls_path, SSL_CERT_FILE=loopback_certificate()[0],
                   PYTHONPATH=CONTROL_HOST, K8SLAB_SIGNAL_HOST=self.signals.base[len("https://"):],
                   # The stand-ins' python3 is this interpreter, not a version manager's shim (a bash
                   # script that costs about a second a start here, and a run starts dozens).
                   PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))

    @property
    def kubespray_dir(self):
        """The bastion's kubespray checkout (empty: the stand-in knows the release's playbooks)."""
        return os.path.join(self.root, "kubespray")

    @property
    def venv_bin(self):
        return os.path.join(self.root, f"bastion{self.bastion}", "venv", "bin")

    @property
    def model_path(self):
        return os.path.join(self.root, "model.json")

    @property
    def calls_path(self):
        return os.path.join(self.root, "calls.jsonl")

    # --- CloudFormation ----------------------------------------------------------------------
    def launch(self, name, role):
        """A node's instance as CloudFormation creates it, of the type the template gives its group."""
        instance_type = self.types.get(role, "t3.medium")
        tags = [{"Key": "k8slab:environment", "Value": self.env}, {"Key": "k8slab:role", "Value": role},
                {"Key": "k8slab:node", "Value": name}, {"Key": "Name", "Value": f"k8slab-{self.env}-{name}"}]
        if self.spot:
            # EC2 makes a persistent request from the launch template's market options and tags it
            # with the template's Name; moto does not model that for RunInstances, so the request is
            # made directly, and the instance it launches gets the tags CloudFormation gives a node.
            template = f"K8sLab-{self.env}-Nodes/{'ControlPlane' if role == 'control-plane' else 'Worker'}Bootstrap0a1b2cSpot/Template"
            response = self.ec2.request_spot_instances(
                InstanceCount=1, Type="persistent", InstanceInterruptionBehavior="stop",
                LaunchSpecification={"ImageId": IMAGE, "InstanceType": instance_type},
                TagSpecifications=[{"ResourceType": "spot-instances-request", "Tags": [{"Key": "Name", "Value": template}]}])
            instance_id = response["SpotInstanceRequests"][0]["InstanceId"]
            self.ec2.create_tags(Resources=[instance_id], Tags=tags)
            instance = self.ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
        else:
            response = self.ec2.run_instances(ImageId=IMAGE, MinCount=1, MaxCount=1, InstanceType=instance_type,
                                              TagSpecifications=[{"ResourceType": "instance", "Tags": tags}])
            instance = response["Instances"][0]
        self.ips[instance["InstanceId"]] = instance["PrivateIpAddress"]
        self.set_running()
        return instance["InstanceId"]

    def live_spot_requests(self):
        """Instance ID -> request ID, of this lab's spot requests that can still launch instances."""
        pages = self.ec2.get_paginator("describe_spot_instance_requests").paginate(
            Filters=[{"Name": "tag:Name", "Values": [f"K8sLab-{self.env}-Nodes/*"]},
                     {"Name": "state", "Values": ["open", "active", "disabled"]}])
        return {r["InstanceId"]: r["SpotInstanceRequestId"] for page in pages for r in page["SpotInstanceRequests"]}

    def stored_kubeconfig(self):
        """The compact admin kubeconfig the bastion stored (decrypted), with its type and version."""
        parameter = self.ssm.get_parameter(Name=self.kubeconfig_parameter, WithDecryption=True)["Parameter"]
        return parameter["Value"], parameter["Type"], parameter["Version"]

    def terminate(self, *instance_ids):
        if instance_ids:
            self.ec2.terminate_instances(InstanceIds=list(instance_ids))
            for instance_id in instance_ids:
                self.ips.pop(instance_id, None)
            self.set_running()

    def set_running(self):
        """Tells the stand-ins which addresses answer on SSH and which kubelets report."""
        model = self.model()
        model["running"] = sorted(self.ips.values())
        self.save_model(model)

    def write_request(self, nodes, settings, signal):
        settings = with_group_vars(settings)
        request_id = hashlib.sha256(json.dumps([sorted(nodes.items()), settings], sort_keys=True).encode()).hexdigest()[:12]
        header, parts = render_request(request_id, signal, nodes, settings)
        for text in [header] + parts:
            assert len(text.encode()) <= SSM_STANDARD_BYTES, f"a request parameter of {len(text)} bytes"
        for index, text in enumerate(parts, 1):
            self.ssm.put_parameter(Name=f"{self.parameter}-{index}", Value=text, Type="String", Tier="Standard", Overwrite=True)
        self.ssm.put_parameter(Name=self.parameter, Value=header, Type="String", Tier="Standard", Overwrite=True)
        self.request_texts = [header] + parts
        return request_id

    def deploy(self, workers=None, replace=(), fail=(), cleanup="after", control_planes=None, types=None, **settings):
        """A deploy of the Nodes stack: new instances for new or replaced nodes (created before the
        old ones go), the request, a new wait that the bastion must signal. On SUCCESS the cleanup
        terminates what the template no longer holds; on FAILURE CloudFormation rolls back (restores
        the request, the bastion converges to it, the cleanup deletes the new instances).
        A run killed on the bastion (a trigger's kill) is run again, as the timer's next tick does.
        cleanup: when CloudFormation's cleanup terminates the new instances after a FAILURE, relative
        to the rollback's run: "before" it, "after" it, or during it, at the first call of the step
        whose action starts with the given text ("during:drain").
        Returns the signal ("SUCCESS" or "FAILURE")."""
        self.deploys += 1
        if types:
            # A group's new instance type is part of its nodes' logical IDs (Infra/Instances): each is replaced.
            self.types.update(types)
            replace = tuple(replace) + tuple(n for n, (role, _) in self.nodes.items() if role in types)
        before = dict(self.nodes)
        before_settings = dict(self.settings)
        nodes = dict(self.nodes)
        if workers is not None:
            nodes = {n: v for n, v in nodes.items() if v[0] != "worker"}
            for i in range(1, workers + 1):
                nodes[f"worker-{i}"] = self.nodes.get(f"worker-{i}", ("worker", None))
        if control_planes is not None:
            workers_now = {n: v for n, v in nodes.items() if v[0] == "worker"}
            nodes = {f"cp-{i}": self.nodes.get(f"cp-{i}", ("control-plane", None)) for i in range(1, control_planes + 1)}
            nodes.update(workers_now)
        created = []
        for name, (role, instance_id) in nodes.items():
            if instance_id is None or name in replace or "*" in replace or (role == "worker" and "workers" in replace):
                nodes[name] = (role, self.launch(name, role))
                created.append(nodes[name][1])
        self.settings.update(settings)
        self.fail_playbooks(fail)
        signal = f"{self.signals.base}/deploy-{self.deploys}"
        self.request_id = self.write_request(nodes, self.settings, signal)
        seen = len(self.signals.signals)
        self.converge_until_done()
        outcome = [s for s in self.signals.signals[seen:] if s["path"] == f"/deploy-{self.deploys}"]
        status = outcome[0]["Status"] if outcome else "NONE"
        self.outcome = outcome[0] if outcome else None
        self.fail_playbooks(())
        if status == "SUCCESS":
            kept = {v[1] for v in nodes.values()}
            self.terminate(*[v[1] for v in before.values() if v[1] and v[1] not in kept])
            self.nodes = nodes
        else:
            # Rollback: the old request comes back (a new parameter version), the new instances go.
            self.settings = before_settings
            if cleanup == "before":
                self.terminate(*created)
            elif cleanup.startswith("during:"):
                self.trigger(cleanup.split(":", 1)[1], terminate=created)
            if any(v[1] for v in before.values()):
                self.write_request(before, before_settings, f"{self.signals.base}/deploy-{self.deploys - 1}")
                self.rollback_status = self.converge_until_done()
            self.terminate(*[i for i in created if i in self.ips])
            self.nodes = before
        return status

    def converge_until_done(self, ticks=5):
        """Runs of the timer until one ends (a killed run leaves the request unhandled: the next tick
        takes it again). Returns the last run's exit status."""
        for _ in range(ticks):
            status = self.converge()
            if status != -9:  # SIGKILL
                return status
        raise AssertionError(f"the convergence was killed {ticks} times running")

    def trigger(self, at, kill=False, terminate=()):
        """An intervention at the first call of a step of the next run that reaches it: at, the step's
        number or the start of its action ("drain worker-1-0a1b2c", "scale"); kill the program, or
        terminate instances (IDs) as CloudFormation's cleanup does."""
        model = self.model()
        model.setdefault("triggers", []).append({"at": at, "kill": kill, "terminate": list(terminate),
                                                 "ips": [self.ips[i] for i in terminate if i in self.ips]})
        self.save_model(model)

    def waited(self):
        """Seconds real runs would have spent waiting out drain timeouts, by what waited."""
        return [(w["what"], w["seconds"]) for w in self.model().get("waited", [])]

    # --- what happened -----------------------------------------------------------------------
    def fail_playbooks(self, books):
        model = self.model()
        model["fail_playbooks"] = list(books)
        self.save_model(model)

    def block_drain(self, host, pod="web-0", namespace="default", pdb="web"):
        model = self.model()
        model["blocked"][host] = {"pod": pod, "ns": namespace}
        for cluster in model["clusters"].values():
            cluster.setdefault("pdbs", {}).setdefault(namespace, []).append(pdb)
        self.save_model(model)

    def run_workload(self, name="web", replicas=2, min_available=1):
        """A Deployment of replicas pods under a PodDisruptionBudget of minAvailable, scheduled now."""
        sys.path.insert(0, STANDINS)
        import cluster_model
        model = self.model()
        cluster = model["clusters"][self.server()]
        cluster.setdefault("workloads", {})[name] = {"minAvailable": min_available}
        cluster.setdefault("pods", {}).update({f"{name}-{i}": None for i in range(replicas)})
        cluster.setdefault("pdbs", {}).setdefault("default", []).append(name)
        cluster_model.schedule(cluster, set(model["running"]))
        self.save_model(model)
        return cluster["pods"]

    def break_node(self, instance_id, how):
        """A node that never becomes healthy: "notready" (its kubelet never reports Ready) or "etcd" (its
        etcd member never starts)."""
        model = self.model()
        model.setdefault("broken", {})[self.ips[instance_id]] = how
        self.save_model(model)

    def cut_off(self, *names):
        """The nodes' instances keep running but SSH no longer reaches them (a security group, a hung
        sshd, a timeout): ansible-playbook reports them UNREACHABLE. None given: all reachable again."""
        model = self.model()
        model["unreachable"] = sorted(self.ips[self.nodes[n][1]] for n in names)
        self.save_model(model)

    def model(self):
        """The stand-ins' model, its history (kept in a file of its own, cluster_model.history_path) included."""
        model = {"clusters": {}, "fail_playbooks": [], "blocked": {}}
        if os.path.exists(self.model_path):
            with open(self.model_path) as f:
                model = json.load(f)
        history = self.model_path + ".history"
        model["history"] = []
        if os.path.exists(history):
            with open(history) as f:
                model["history"] = [json.loads(line) for line in f]
        return model

    def save_model(self, model):
        with open(self.model_path, "w") as f:
            json.dump({k: v for k, v in model.items() if k != "history"}, f)

    def server(self):
        """The model's key of the cluster the bastion's kubeconfig points at: the cluster whose control-plane
        node (etcd member) has the kubeconfig's server address."""
        import re
        sys.path.insert(0, STANDINS)
        import cluster_model
        with open(os.path.join(self.home, ".kube", "config")) as f:
            address = re.search(r"server: https://([0-9.]+)", f.read()).group(1)
        return cluster_model.cluster_with_cp(self.model(), address) or address

    def cluster(self):
        """The nodes of the cluster the bastion's kubeconfig points at: name -> node."""
        return self.model()["clusters"][self.server()]["nodes"]

    def calls(self):
        if not os.path.exists(self.calls_path):
            return []
        with open(self.calls_path) as f:
            return [json.loads(line) for line in f]

    def playbooks(self, since=0):
        return [c for c in self.calls()[since:] if "book" in c]

    def hosts(self, role=None):
        """The current requested hosts (name-suffix), as the cluster should name them."""
        return sorted(f"{n}-{i[-6:]}" for n, (r, i) in self.nodes.items() if role in (None, r))

    def log(self):
        logs = os.path.join(self.root, "log")
        if not os.path.isdir(logs):
            return ""
        texts = []
        for name in sorted(os.listdir(logs)):
            with open(os.path.join(logs, name)) as f:
                texts.append(f.read())
        return "\n".join(texts)
