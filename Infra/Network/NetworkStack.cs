using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Constructs;
using K8sLab.Bootstrap;
using K8sLab.Configuration;
using K8sLab.Images;

namespace K8sLab.Network;

public sealed class NetworkStackProps : StackProps
{
    public required NetworkConfig Network { get; init; }
    public required IMachineImageSource Images { get; init; }
    public required IBootstrapRenderer Bootstrap { get; init; }
}

/// <summary>The VPC: public subnets for the bastion and NAT, private subnets with egress for the nodes.</summary>
public sealed class NetworkStack : Stack
{
    public IVpc Vpc { get; }

    public NetworkStack(Construct scope, string id, NetworkStackProps props) : base(scope, id, props)
    {
        var network = props.Network;
        var natInstance = network.Nat == NatKind.Instance
            ? NatProvider.InstanceV2(new NatInstanceProps
            {
                InstanceType = new InstanceType(network.NatInstanceType.Name),
                MachineImage = props.Images.ImageFor(this),
                UserData = UserData.Custom(props.Bootstrap.RenderNatInstance().Text),
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
                new SubnetConfiguration { Name = "public", SubnetType = SubnetType.PUBLIC },
                new SubnetConfiguration { Name = "nodes", SubnetType = SubnetType.PRIVATE_WITH_EGRESS },
            },
        });

        // The nodes only send HTTP(S) out (packages, images, kubespray's downloads).
        foreach (var port in new[] { 80, 443 })
            natInstance?.Connections.AllowFrom(Peer.Ipv4(network.VpcCidr.ToString()), Port.Tcp(port), $"TCP {port} from the VPC, to be masqueraded");
    }
}
