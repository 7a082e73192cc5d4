using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.Logs;
using Constructs;
using K8sLab.Bootstrap;
using K8sLab.Compliance;
using K8sLab.Configuration;
using K8sLab.Images;
using K8sLab.Instances;
using K8sLab.Tagging;

namespace K8sLab.Network;

public sealed class NetworkStackProps : StackProps
{
    /// <summary>The environment file's network: section (VPC block, zones, NAT kind and count).</summary>
    public required NetworkConfig Network { get; init; }
    /// <summary>The pinned image, for a NAT instance.</summary>
    public required IMachineImageSource Images { get; init; }
    /// <summary>Renders a NAT instance's user data.</summary>
    public required IBootstrapRenderer Bootstrap { get; init; }
}

/// <summary>The VPC: public subnets for the bastion and NAT, private subnets with egress for the nodes.</summary>
public sealed class NetworkStack : Stack
{
    public IVpc Vpc { get; }

    public NetworkStack(Construct scope, string id, NetworkStackProps props) : base(scope, id, props)
    {
        var network = props.Network;
        var natUserData = props.Bootstrap.RenderNatInstance().Text;
        var natInstance = network.Nat == NatKind.Instance
            ? NatProvider.InstanceV2(new NatInstanceProps
            {
                InstanceType = new InstanceType(network.NatInstanceType.Name),
                MachineImage = props.Images.ImageFor(this),
                UserData = UserData.Custom(natUserData),
                DefaultAllowedTraffic = NatTrafficDirection.OUTBOUND_ONLY,
            })
            : null;
        Vpc = new Vpc(this, "Vpc", new VpcProps
        {
            IpAddresses = IpAddresses.Cidr(network.VpcCidr.ToString()),
            MaxAzs = network.AvailabilityZones is null ? network.ZoneCount : null,
            AvailabilityZones = network.AvailabilityZones?.ToArray(),
            NatGateways = network.NatCount,
            NatGatewayProvider = natInstance,
            RestrictDefaultSecurityGroup = true,
            SubnetConfiguration = new ISubnetConfiguration[]
            {
                // No address handed out on launch: the bastion and the NAT instance ask for theirs.
                new SubnetConfiguration { Name = "public", SubnetType = SubnetType.PUBLIC, MapPublicIpOnLaunch = false },
                new SubnetConfiguration { Name = "nodes", SubnetType = SubnetType.PRIVATE_WITH_EGRESS },
            },
        });

        RunDefaultSecurityGroupHandlerOnSupportedRuntime();

        // Rejected traffic is what a probed lab wants to see; two weeks, and kept after a destroy
        // for a post-mortem (it stops costing once the entries expire).
        var flowLogs = new LogGroup(this, "FlowLogs", new LogGroupProps
        {
            Retention = RetentionDays.TWO_WEEKS,
            RemovalPolicy = RemovalPolicy.RETAIN,
        });
        Vpc.AddFlowLog("RejectedTraffic", new FlowLogOptions
        {
            Destination = FlowLogDestination.ToCloudWatchLogs(flowLogs),
            TrafficType = FlowLogTrafficType.REJECT,
        });

        if (natInstance is not null)
        {
            // The provider builds a plain instance: give it the lab's IMDSv2 template, an encrypted
            // root volume and the same replace-on-user-data-change rule as every other instance, its
            // public address at launch, and the cdk-nag findings accepted on a public instance.
            var launchTemplate = BootstrapTemplate.LaunchTemplate(this, "NatLaunchTemplate");
            foreach (var instance in natInstance.GatewayInstances)
            {
                var resource = (CfnInstance)instance.Node.DefaultChild!;
                Harden(resource, launchTemplate, natUserData);
                PublicAddressAtLaunch(resource);
                NagSuppressions.Attach(resource, NagTarget.Instance, NagTarget.PublicInstance);
            }
        }

        // The nodes only send HTTP(S) out (packages, images, kubespray's downloads).
        foreach (var port in new[] { 80, 443 })
            natInstance?.Connections.AllowFrom(Peer.Ipv4(network.VpcCidr.ToString()), Port.Tcp(port), $"TCP {port} from the VPC, to be masqueraded");

        // The cdk-nag findings the lab accepts (Compliance/NagSuppressions.cs), on what CDK made here.
        NagSuppressions.Attach(Vpc.Node.DefaultChild, NagTarget.Vpc);
        foreach (var subnet in Vpc.PublicSubnets)
            NagSuppressions.Attach(subnet.Node.FindChild("DefaultRoute"), NagTarget.PublicRoute);
        NagSuppressions.Attach(flowLogs.Node.DefaultChild, NagTarget.FlowLogGroup);
        NagSuppressions.Attach(Vpc.Node.FindChild("RejectedTraffic").Node.FindChild("IAMRole").Node.FindChild("DefaultPolicy").Node.DefaultChild, NagTarget.FlowLogRolePolicy);
        var restrictDefaultGroup = Node.FindChild("Custom::VpcRestrictDefaultSGCustomResourceProvider");
        NagSuppressions.Attach(restrictDefaultGroup.Node.FindChild("Handler"), NagTarget.DefaultSecurityGroupHandler);
        NagSuppressions.Attach(restrictDefaultGroup.Node.FindChild("Role"), NagTarget.DefaultSecurityGroupHandlerRole);
    }

    /// <summary>
    /// Brings the instance CDK's NAT provider builds to the lab's rules: the metadata options, an
    /// encrypted root volume, and a logical ID that carries the hash of the user data it keeps on the
    /// instance, so that a changed NAT document replaces the NAT instance as it does every other.
    /// </summary>
    private void Harden(CfnInstance instance, LaunchTemplateReference launchTemplate, string userData)
    {
        instance.LaunchTemplate = new CfnInstance.LaunchTemplateSpecificationProperty { LaunchTemplateId = launchTemplate.Id, Version = launchTemplate.Version };
        instance.AddPropertyOverride("BlockDeviceMappings", BootstrappedInstance.RootVolume(8));
        instance.OverrideLogicalId(GetLogicalId(instance) + BootstrappedInstance.UserDataHash(userData));
        Amazon.CDK.Tags.Of(instance).Add(LabTags.Fingerprint, new UserDataDocument(userData).Fingerprint);
    }

    /// <summary>
    /// The public subnets map no public IPs on launch, so the NAT instance asks for its address on its
    /// network interface, as the bastion does. Not an Elastic IP: that is associated only once the
    /// instance runs, while its first boot already installs packages from the internet. For the same
    /// reason it waits for the public subnets' routes to the internet gateway.
    /// </summary>
    private void PublicAddressAtLaunch(CfnInstance instance)
    {
        instance.AddPropertyOverride("NetworkInterfaces", new object[]
        {
            new Dictionary<string, object>
            {
                ["DeviceIndex"] = "0",
                ["SubnetId"] = instance.SubnetId!,
                ["GroupSet"] = instance.SecurityGroupIds!,
                ["AssociatePublicIpAddress"] = true,
            },
        });
        instance.AddPropertyDeletionOverride("SubnetId");
        instance.AddPropertyDeletionOverride("SecurityGroupIds");
        foreach (var subnet in Vpc.PublicSubnets) instance.Node.AddDependency(subnet.InternetConnectivityEstablished);
    }

    /// <summary>
    /// The Lambda runtime of CDK's handler behind <c>RestrictDefaultSecurityGroup</c>. CDK 2.160.0
    /// ships it on nodejs20.x, on which Lambda refuses to create functions since 2026-06-01, so the
    /// first stack of a new lab failed. The handler only calls EC2 through the AWS SDK v3 that every
    /// current Node.js runtime provides; Infra.Tests/Network runs it on Node 22 against an EC2 emulator.
    /// </summary>
    public const string DefaultSecurityGroupHandlerRuntime = "nodejs22.x";

    private void RunDefaultSecurityGroupHandlerOnSupportedRuntime()
    {
        var provider = Node.TryFindChild("Custom::VpcRestrictDefaultSGCustomResourceProvider")
            ?? throw new InvalidOperationException("NetworkStack: CDK's default-security-group handler moved; check its runtime before upgrading CDK");
        var handler = (CfnResource)provider.Node.FindChild("Handler");
        handler.AddPropertyOverride("Runtime", DefaultSecurityGroupHandlerRuntime);
        // The handler's GetAtt of the role's ARN already orders the two; the extra DependsOn is cfn-lint's W3005.
        handler.RemoveDependency((CfnResource)provider.Node.FindChild("Role"));
    }
}
