using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Constructs;
using K8sLab.Bootstrap;
using K8sLab.Cluster;
using K8sLab.Compliance;
using K8sLab.Configuration;
using K8sLab.Convergence;
using K8sLab.Instances;

namespace K8sLab.Nodes;

public sealed class NodesStackProps : InstanceStackProps
{
    /// <summary>The control-plane group (controlPlane:): count, type, spot, generations.</summary>
    public required NodeGroup ControlPlane { get; init; }
    /// <summary>The worker group (workers:).</summary>
    public required NodeGroup Workers { get; init; }
    /// <summary>The control-plane nodes' security group (the Security stack's, with the common rules of Cluster/PortRules.cs).</summary>
    public required ISecurityGroup ControlPlaneGroup { get; init; }
    /// <summary>The workers' security group.</summary>
    public required ISecurityGroup WorkerGroup { get; init; }
    /// <summary>
    /// The network plugin's own rules between the node groups (<see cref="PortRules.Plugin"/>): this
    /// stack opens them, and the convergence waits for them, so a rebuild finds its plugin's ports open
    /// and a refused plugin change rolls back with them (the Security stack would not).
    /// </summary>
    public required IReadOnlyList<PortRule> PluginRules { get; init; }
    /// <summary>What the convergence request carries besides the nodes (<see cref="RequestSettings.For"/>).</summary>
    public required RequestSettings Request { get; init; }
    /// <summary>How long the deploy waits for a converged cluster (<see cref="ScaleLimits.WaitTimeout"/>).</summary>
    public required TimeSpan ConvergenceTimeout { get; init; }
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
        var templates = new BootstrapTemplate.Set(this);
        // Read once: every read from a CDK object is a round trip to jsii.
        var imageId = props.Images.ImageFor(this).GetImage(this).ImageId;
        var keyName = props.KeyName;
        var profile = props.InstanceProfileName;
        var subnetIds = props.Vpc.PrivateSubnets.Select(s => s.SubnetId).ToArray();

        BootstrappedInstance[] Group(NodeRole role, NodeGroup group, ISecurityGroup securityGroup, string tag)
        {
            var groupId = securityGroup.SecurityGroupId;
            return Enumerable.Range(1, group.Count).Select(index =>
            {
                var node = new NodeSpec(props.Environment, role, index);
                return new BootstrappedInstance(this, node.Name, new BootstrappedInstanceProps
                {
                    Name = node.Name,
                    Role = tag,
                    Environment = props.Environment,
                    Tags = props.UserTags,
                    Bootstrap = templates.For(role.ToString(), props.Bootstrap.RenderNode(node), node.Name, group.Spot),
                    InstanceType = group.InstanceType,
                    ImageId = imageId,
                    SubnetId = subnetIds[(index - 1) % subnetIds.Length],
                    Public = false,
                    SecurityGroupId = groupId,
                    InstanceProfileName = profile,
                    KeyName = keyName,
                    VolumeGiB = 30,
                    Generation = group.GenerationOf(node.Name),
                    TypeReplaces = true,
                    UnhashedType = group.DefaultInstanceType,
                });
            }).ToArray();
        }

        var controlPlane = Group(NodeRole.ControlPlane, props.ControlPlane, props.ControlPlaneGroup, NodeSpec.Facts(NodeRole.ControlPlane).Tag);
        var workers = Group(NodeRole.Worker, props.Workers, props.WorkerGroup, NodeSpec.Facts(NodeRole.Worker).Tag);
        Nodes = controlPlane.Concat(workers).ToList();
        // The cdk-nag findings the lab accepts on every instance, once for the stack: its only instances
        // are the nodes, and a copy on each would cost about 0.6 KB a node of the 1 MB template quota.
        NagSuppressions.AttachToStack(this, NagTarget.Instance);

        var groups = new Dictionary<SecurityGroupRole, ISecurityGroup>
        {
            [SecurityGroupRole.ControlPlane] = props.ControlPlaneGroup,
            [SecurityGroupRole.Worker] = props.WorkerGroup,
        };
        var pluginRules = props.PluginRules.Select(rule => PluginRule(rule, groups)).ToList();

        Convergence = new ClusterConvergence(this, "Convergence", new ClusterConvergenceProps
        {
            Prerequisites = pluginRules,
            Environment = props.Environment,
            Nodes = Nodes,
            Timeout = props.ConvergenceTimeout,
            Settings = props.Request,
        });

        FingerprintOutput("ControlPlaneUserData", controlPlane);
        FingerprintOutput("WorkerUserData", workers);
    }

    /// <summary>
    /// One plugin rule as a raw ingress resource on a group of the Security stack (a Ref through its
    /// export; security groups are never replaced with the nodes).
    /// </summary>
    private CfnSecurityGroupIngress PluginRule(PortRule rule, IReadOnlyDictionary<SecurityGroupRole, ISecurityGroup> groups)
    {
        if (!groups.TryGetValue(rule.From, out var from) || !groups.TryGetValue(rule.To, out var to))
            throw new ArgumentException($"NodesStackProps.PluginRules: {rule.Description} runs from {rule.From} to {rule.To}; plugin rules run between the node groups only");
        var id = PluginRuleId(rule);
        var ingress = new CfnSecurityGroupIngress(this, id, new CfnSecurityGroupIngressProps
        {
            GroupId = to.SecurityGroupId,
            SourceSecurityGroupId = from.SecurityGroupId,
            IpProtocol = rule.Transport.Protocol(),
            FromPort = rule.FromPort,
            ToPort = rule.ToPort,
            Description = rule.Description,
        });
        ingress.OverrideLogicalId(id);
        return ingress;
    }

    /// <summary>
    /// "PluginPortWorkerFromControlPlaneUdp8472": what EC2 tells rules apart by (groups, protocol,
    /// ports), not the plugin. A rule two plugins share (cilium's and flannel's VXLAN) keeps its
    /// resource across a change between them: EC2 refuses a second, identical rule, which a new
    /// logical ID would create before the old one is deleted.
    /// </summary>
    public static string PluginRuleId(PortRule rule)
    {
        var ports = rule.Transport == Transport.Icmp ? $"Type{rule.FromPort}" + (rule.ToPort < 0 ? "" : $"Code{rule.ToPort}")
            : rule.FromPort == rule.ToPort ? $"{rule.FromPort}" : $"{rule.FromPort}to{rule.ToPort}";
        return $"PluginPort{rule.To}From{rule.From}{rule.Transport}{ports}";
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
