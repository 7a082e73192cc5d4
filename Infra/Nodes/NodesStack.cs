using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Constructs;
using K8sLab.Bootstrap;
using K8sLab.Configuration;
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
    /// <summary>Node names per fingerprint output, so a 400-node lab stays under 200 outputs.</summary>
    private const int NodesPerOutput = 50;

    public IReadOnlyList<BootstrappedInstance> Nodes { get; }

    public NodesStack(Construct scope, string id, NodesStackProps props) : base(scope, id, props)
    {
        var config = props.Config;
        var image = props.Images.ImageFor(this);
        var subnets = props.Vpc.PrivateSubnets;

        BootstrappedInstance[] Group(NodeRole role, NodeGroup group, Party peer, string tag)
        {
            var template = BootstrappedInstance.MetadataTemplate(this, $"{peer}LaunchTemplate");
            return Enumerable.Range(1, group.Count).Select(index =>
            {
                var node = new NodeSpec(config.Environment, role, index);
                return new BootstrappedInstance(this, node.Name, new BootstrappedInstanceProps
                {
                    Name = node.Name,
                    Role = tag,
                    NamePrefix = $"k8slab-{config.Environment}",
                    UserData = props.Bootstrap.RenderNode(node),
                    InstanceType = group.InstanceType,
                    Image = image,
                    Vpc = props.Vpc,
                    Subnet = subnets[(index - 1) % subnets.Length],
                    Public = false,
                    SecurityGroup = props.Security.Groups[peer],
                    IamRole = props.Security.NodeRole,
                    InstanceProfileName = props.Security.NodeProfile.Ref,
                    LaunchTemplate = template,
                    KeyPair = props.Security.ClusterKey,
                    VolumeGiB = 30,
                });
            }).ToArray();
        }

        var controlPlane = Group(NodeRole.ControlPlane, config.ControlPlane, Party.ControlPlane, "control-plane");
        var workers = Group(NodeRole.Worker, config.Workers, Party.Worker, "worker");
        Nodes = controlPlane.Concat(workers).ToList();

        FingerprintOutputs("ControlPlaneUserData", controlPlane);
        FingerprintOutputs("WorkerUserData", workers);
    }

    /// <summary>"cp-1=3f2a9c1b4d5e ..." per output: which bootstrap each node runs, as of this deploy.</summary>
    private void FingerprintOutputs(string id, IReadOnlyList<BootstrappedInstance> nodes)
    {
        var chunks = nodes.Chunk(NodesPerOutput).ToList();
        for (var i = 0; i < chunks.Count; i++)
            _ = new CfnOutput(this, chunks.Count == 1 ? id : $"{id}{i + 1}", new CfnOutputProps
            {
                Description = "user-data fingerprint (first 12 hex digits of its SHA-256) per node",
                Value = string.Join(" ", chunks[i].Select(n => $"{n.Props.Name}={n.Props.UserData.ShortFingerprint}")),
            });
    }
}
