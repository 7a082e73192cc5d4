"""Changes of the cluster's settings that the preview and the bastion must classify alike, with the
verdict each should reach. test_changes asserts the Python side; Infra.Tests' ChangeAgreementTests runs
`python3 -m change_table` for the rows and the bastion's verdicts, and puts each row through the
preview's own code path (Preview/ClusterNotes.cs)."""
import json
import sys

from k8slab_converge.model import Cluster, ClusterNode, Instance, host_name, parse_request
from k8slab_converge.planner import plan
from lab import DEFAULTS, render_request, with_group_vars

# (name, before, after, verdict, refusal rule): before and after are changes to today's default settings.
TABLE = [
    ("1.34.7 -> 1.35.4: a minor up", {"kubernetes": "1.34.7"}, {}, "upgrade", None),
    ("1.35.3 -> 1.35.4: a patch up", {"kubernetes": "1.35.3"}, {}, "upgrade", None),
    ("1.35.4 -> 1.34.7: a downgrade", {}, {"kubernetes": "1.34.7"}, "refused", "downgrade"),
    ("1.33.0 -> 1.35.4: a skipped minor", {"kubernetes": "1.33.0"}, {}, "refused", "skipped-minor"),
    ("1.35.4 -> 2.0.0: a major version", {}, {"kubernetes": "2.0.0"}, "refused", "major"),
    ("calico -> cilium without allowRebuild", {}, {"networkPlugin": "cilium"}, "refused", "rebuild-not-allowed"),
    ("calico -> cilium with allowRebuild", {}, {"networkPlugin": "cilium", "allowRebuild": True}, "rebuild", None),
    ("calico -> cilium and 1.35.4 -> 1.34.7 with allowRebuild: a new cluster, no downgrade", {},
     {"networkPlugin": "cilium", "kubernetes": "1.34.7", "allowRebuild": True}, "rebuild", None),
    ("another pod range without allowRebuild", {}, {"podCidr": "10.100.0.0/16"}, "refused", "rebuild-not-allowed"),
    ("another pod range with allowRebuild", {}, {"podCidr": "10.100.0.0/16", "allowRebuild": True}, "rebuild", None),
    ("addons +helm", {}, {"addons": ["helm"]}, "re-converge", None),
    ("addons -helm", {"addons": ["helm"]}, {}, "re-converge", None),
    ("allowRebuild alone", {}, {"allowRebuild": True}, "unchanged", None),
    ("nothing changed", {}, {}, "unchanged", None),
    # The request of a lab deployed before the kubernetes: section, which its record matches.
    ("a request from before the kubernetes section", None, {}, "unchanged", None),
]

# What such a request's settings held: the plugin and the service range were kubespray's defaults.
BEFORE_THE_SECTION = {"kubespray": "v2.31.0", "kubernetes": "1.35.4", "maxSurge": 1, "forks": 5, "downloadOnce": False,
                      "podCidr": "10.233.64.0/18", "nodePrefix": 24, "drainSeconds": 300}

NODES = {"cp-1": ("control-plane", "i-00000000000000a01"), "worker-1": ("worker", "i-00000000000000b01")}


def settings(changed):
    """A request header's settings as the Nodes stack writes them: today's defaults with these changes."""
    return dict(BEFORE_THE_SECTION) if changed is None else with_group_vars({**DEFAULTS, **changed})


def request_of(settings_):
    return parse_request(*render_request("0123456789ab", "https://signal.example", NODES, settings_))


def recorded(settings_):
    """The cluster as a convergence of these settings left it: its record as execute.do_record writes it
    (kubespray and the version alone before the kubernetes: section), nodes at its version."""
    def members(kubernetes):
        return {host_name(name, i): ClusterNode(host_name(name, i), "10.0.0.1", True, role == "control-plane",
                                                tainted=role == "control-plane", kubelet="v" + kubernetes)
                for name, (role, i) in NODES.items()}
    if "groupVars" not in settings_:
        # Such a request no longer passes the schema; its record is what the convergence wrote then.
        return Cluster(via=NODES["cp-1"][1], nodes=members(settings_["kubernetes"]),
                       kubespray=settings_["kubespray"], kubernetes=settings_["kubernetes"])
    r = request_of(settings_)
    nodes = members(r.kubernetes)
    return Cluster(via=NODES["cp-1"][1], nodes=nodes, kubespray=r.kubespray, kubernetes=r.kubernetes, network=r.network,
                   fingerprint=r.fingerprint, addons=r.addons)


def bastion(before, after):
    """The planner's verdict on a cluster recorded with `before` and a request for `after`, and its reason."""
    instances = {i: Instance(i, name, role, "running", "10.0.0.1") for name, (role, i) in NODES.items()}
    p = plan(request_of(after), instances, recorded(before))
    kinds = [a.kind for a in p.actions]
    if "fail" in kinds:
        return "refused", p.actions[kinds.index("fail")].detail
    if "reset" in kinds or any(str(a) == "cluster rebuild" for a in p.actions):
        return "rebuild", None
    if "upgrade-control-plane" in kinds:
        return "upgrade", None
    if "cluster" in kinds:
        return "re-converge", None
    return "unchanged", None


def rows():
    for name, before, after, verdict, rule in TABLE:
        b, a = settings(before), settings(after)
        said, reason = bastion(b, a)
        yield {"name": name, "before": b, "after": a, "expected": {"verdict": verdict, "rule": rule},
               "bastion": {"verdict": said, "reason": reason}}


if __name__ == "__main__":
    json.dump(list(rows()), sys.stdout, indent=1)
    sys.stdout.write("\n")
