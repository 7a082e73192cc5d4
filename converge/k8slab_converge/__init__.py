"""k8slab-converge: makes the cluster match the node set the last deploy asked for."""
