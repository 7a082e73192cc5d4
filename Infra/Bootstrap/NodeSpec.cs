using K8sLab.Contract;

namespace K8sLab.Bootstrap;

public enum NodeRole { ControlPlane, Worker }

/// <summary>One Kubernetes node: its name is its k8slab:node tag, its host name and its inventory name.</summary>
public sealed record NodeSpec(string Environment, NodeRole Role, int Index)
{
    public string Name => Facts(Role).NamePrefix + Index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>How every side names the role: its tag value, name prefix and environment-file section.</summary>
    public static RoleFacts Facts(NodeRole role) => role == NodeRole.ControlPlane ? LabFacts.ControlPlane : LabFacts.Worker;
}
