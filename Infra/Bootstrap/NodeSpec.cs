namespace K8sLab.Bootstrap;

public enum NodeRole { ControlPlane, Worker }

/// <summary>One Kubernetes node: its name is its k8slab:node tag, its host name and its inventory name.</summary>
public sealed record NodeSpec(string Environment, NodeRole Role, int Index)
{
    public string Name => $"{(Role == NodeRole.ControlPlane ? "cp" : "worker")}-{Index}";
}
