"""The kubespray playbooks the program runs, by the plan's action, and the extra variables (-e) it
passes to each: one table. execute.py runs from it (and refuses to pass a variable it does not
list); scripts/kubespray-facts.py reads it to record, for each variable, the file of the pinned
release that takes it (converge/contract/kubespray.txt's extra lines), which the tests' stand-in for
ansible-playbook holds every run to. No imports: the script loads this file on its own."""

# Paths in the kubespray checkout (ansible-playbook runs there). facts.yml is in playbooks/ only
# (kubespray's docs/operations/upgrades.md: ansible-playbook playbooks/facts.yml).
PLAYBOOK = {
    "cluster": "cluster.yml",
    # docs/operations/nodes.md: a control-plane node joins through cluster.yml (never scale.yml), and
    # the first one leaves only after a run with another first.
    "join-control-plane": "cluster.yml",
    "reorder": "cluster.yml",
    "reset": "reset.yml",
    "reset-stale": "reset.yml",
    "facts": "playbooks/facts.yml",
    "scale": "scale.yml",
    "upgrade-control-plane": "upgrade-cluster.yml",
    "upgrade": "upgrade-cluster.yml",
    "remove": "remove-node.yml",
    "remove-dead": "remove-node.yml",
}

EXTRA = {
    # ignore_assert_errors: passed to any run whose inventory holds an even number of etcd members (one
    # is being added or removed), which roles/validate_inventory otherwise stops (docs/operations/nodes.md).
    "cluster.yml": ("kubeconfig_localhost", "kubectl_localhost", "ignore_assert_errors"),
    "playbooks/facts.yml": ("ignore_assert_errors",),
    "scale.yml": ("ignore_assert_errors",),
    "reset.yml": ("reset_confirmation", "ignore_assert_errors"),
    # drain_timeout: a node whose instance is gone is removed without waiting out kubespray's drain.
    "remove-node.yml": ("node", "skip_confirmation", "reset_nodes", "allow_ungraceful_removal", "drain_timeout",
                        "ignore_assert_errors"),
    "upgrade-cluster.yml": ("serial", "drain_timeout", "kubectl_localhost", "ignore_assert_errors"),
}
