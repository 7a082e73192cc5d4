using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Constructs;
using K8sLab.Bootstrap;
using K8sLab.Configuration;
using K8sLab.Convergence;
using K8sLab.Images;
using K8sLab.Instances;
using K8sLab.Security;

namespace K8sLab.Nodes;

public sealed class NodesStackProps : StackProps
{
    public required LabConfig Config { get; init; }
    public required IVpc Vpc { get; init; }
    public required SecurityStack Security { get; init; }
    public required IMachineImageSource Images { get; init; }
    public required IBootstrapRenderer Bootstrap { get; init; }
}

/// <summary>
/// Control-plane and worker nodes in the private subnets, spread over the zones. Nodes have no
/// public address, no pinned private IP (a replacement is created before its predecessor is gone)
/// and nothing in their user data from another instance (which would cascade replacements).
/// </summary>
public sealed class NodesStack : Stack
{
    public IReadOnlyList<BootstrappedInstance> Nodes { get; }
    public ClusterConvergence Convergence { get; }

    public NodesStack(Construct scope, string id, NodesStackProps props) : base(scope, id, props)
    {
        var config = props.Config;
        var templates = new BootstrapTemplate.Set(this);
        // Read once: every read from a CDK object is a round trip to jsii.
        var imageId = props.Images.ImageFor(this).GetImage(this).ImageId;
        var keyName = props.Security.ClusterKeyName;
        var profile = props.Security.NodeProfile.Ref;
        var subnetIds = props.Vpc.PrivateSubnets.Select(s => s.SubnetId).ToArray();

        BootstrappedInstance[] Group(NodeRole role, NodeGroup group, SecurityGroupRole groupRole, string tag)
        {
            var groupId = props.Security.Groups[groupRole].SecurityGroupId;
            return Enumerable.Range(1, group.Count).Select(index =>
            {
                var node = new NodeSpec(config.Environment, role, index);
                return new BootstrappedInstance(this, new BootstrappedInstanceProps
                {
                    Name = node.Name,
                    Role = tag,
                    Environment = config.Environment,
                    Tags = config.Tags,
                    Bootstrap = templates.For(groupRole.ToString(), props.Bootstrap.RenderNode(node), node.Name, group.Spot),
                    InstanceType = group.InstanceType,
                    ImageId = imageId,
                    SubnetId = subnetIds[(index - 1) % subnetIds.Length],
                    Public = false,
                    SecurityGroupId = groupId,
                    InstanceProfileName = profile,
                    KeyName = keyName,
                    VolumeGiB = 30,
                    Generation = group.GenerationOf(node.Name),
                });
            }).ToArray();
        }

        var controlPlane = Group(NodeRole.ControlPlane, config.ControlPlane, SecurityGroupRole.ControlPlane, "control-plane");
        var workers = Group(NodeRole.Worker, config.Workers, SecurityGroupRole.Worker, "worker");
        Nodes = controlPlane.Concat(workers).ToList();

        Convergence = new ClusterConvergence(this, new ClusterConvergenceProps
        {
            Environment = config.Environment,
            Nodes = Nodes,
            Timeout = ScaleLimits.WaitTimeout(config),
            Settings = RequestSettings.For(config),
        });

        FingerprintOutput("ControlPlaneUserData", controlPlane);
        FingerprintOutput("WorkerUserData", workers);
    }

    /// <summary>"worker-1..3=3f2a9c1b4d5e": which bootstrap each node runs, as of this deploy.</summary>
    private void FingerprintOutput(string id, IReadOnlyList<BootstrappedInstance> nodes)
    {
        if (nodes.Count == 0) return;
        _ = new CfnOutput(this, id, new CfnOutputProps
        {
            Description = "user-data fingerprint (first 12 hex digits of its SHA-256) per node",
            Value = string.Join(" ", nodes.GroupBy(n => n.UserData.ShortFingerprint)
                .Select(g => $"{NodeNames.Compact(g.Select(n => n.Props.Name))}={g.Key}")),
        });
    }
}
