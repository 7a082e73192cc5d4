using Amazon.CDK;
using K8sLab.Bastion;
using K8sLab.Bootstrap;
using K8sLab.Cluster;
using K8sLab.Configuration;
using K8sLab.Images;
using K8sLab.Network;
using K8sLab.Nodes;
using K8sLab.Security;
using K8sLab.Tagging;

namespace K8sLab;

/// <summary>
/// One environment's four stacks, in deploy order. Stacks get typed dependencies through their
/// props; CDK turns them into exports of the network and security stacks only.
/// </summary>
public sealed record Lab(LabConfig Config, NetworkStack Network, SecurityStack Security, BastionStack Bastion, NodesStack Nodes, IMachineImageSource Images)
{
    public IReadOnlyList<Stack> Stacks => new Stack[] { Network, Security, Bastion, Nodes };

    /// <summary>Every bootstrapped instance: the bastion, then the nodes.</summary>
    public IEnumerable<Instances.BootstrappedInstance> Instances => Nodes.Nodes.Prepend(Bastion.Bastion);

    public static Lab Create(App app, LabConfig config, IBootstrapRenderer bootstrap, IMachineImageSource images)
    {
        // Region from the file, account from the credentials at deploy time: a synth needs neither.
        var env = new Amazon.CDK.Environment { Region = config.Region };
        var names = config.StackNames;

        var network = new NetworkStack(app, names.Network, new NetworkStackProps
        {
            Env = env, Description = $"K8sLab {config.Environment}: VPC, subnets, internet gateway, NAT",
            Network = config.Network, Images = images, Bootstrap = bootstrap,
        });
        var security = new SecurityStack(app, names.Security, new SecurityStackProps
        {
            Env = env, Description = $"K8sLab {config.Environment}: security groups, IAM roles, cluster SSH key, etcd snapshot bucket",
            Vpc = network.Vpc, Admin = config.Admin, Environment = config.Environment,
            ConvergeRequestParameters = Convergence.ClusterConvergence.ParameterNames(config),
            KubeconfigParameter = Contract.LabFacts.KubeconfigParameter(config.Environment),
            // The spot requests carry their launch template's construct path as Name (BootstrapTemplate).
            SpotRequestNames = $"{names.Nodes}/*",
            SnapshotKeepDays = config.Snapshots.KeepDays,
        });
        var bastion = new BastionStack(app, names.Bastion, new BastionStackProps
        {
            Env = env, Description = $"K8sLab {config.Environment}: bastion and control host",
            Environment = config.Environment, UserTags = config.Tags, Region = config.Region,
            Architecture = config.MachineImage.Architecture, InstanceType = config.BastionType,
            Vpc = network.Vpc, SecurityGroup = security.Groups[SecurityGroupRole.Bastion],
            InstanceProfileName = security.BastionProfile.Ref, RoleName = security.BastionRole.RoleName, KeyName = security.ClusterKeyName,
            Images = images, Bootstrap = bootstrap,
        });
        var nodes = new NodesStack(app, names.Nodes, new NodesStackProps
        {
            Env = env, Description = $"K8sLab {config.Environment}: control-plane and worker nodes",
            Environment = config.Environment, UserTags = config.Tags,
            ControlPlane = config.ControlPlane, Workers = config.Workers,
            Request = Convergence.RequestSettings.For(config, security.Snapshots.BucketName), ConvergenceTimeout = ScaleLimits.WaitTimeout(config),
            PluginRules = PortRules.Plugin(config.Kubernetes.NetworkPlugin),
            Vpc = network.Vpc, ControlPlaneGroup = security.Groups[SecurityGroupRole.ControlPlane], WorkerGroup = security.Groups[SecurityGroupRole.Worker],
            InstanceProfileName = security.NodeProfile.Ref, KeyName = security.ClusterKeyName,
            Images = images, Bootstrap = bootstrap,
        });
        // The bastion converges the nodes, so it goes first even where no reference says so.
        nodes.AddDependency(bastion);

        var lab = new Lab(config, network, security, bastion, nodes, images);
        // Launch templates and the key pair are raw resources no Tags.Of reaches (a tag there would
        // replace every instance); instances carry these tags themselves (BootstrappedInstance).
        // The user's tags go on resources, not on the stacks: CloudFormation would propagate stack
        // tags at deploy time, the key pair's create-only tags included.
        var resourcesOnly = new TagProps { ExcludeResourceTypes = new[] { "aws:cdk:stack" } };
        foreach (var stack in lab.Stacks)
        {
            AdminAddressGuard.Apply(stack, config);
            Tags.Of(stack).Add(LabTags.Environment, config.Environment);
            Tags.Of(stack).Add(LabTags.ManagedBy, LabTags.ManagedByValue);
            foreach (var (key, value) in config.Tags) Tags.Of(stack).Add(key, value, resourcesOnly);
        }
        return lab;
    }
}
