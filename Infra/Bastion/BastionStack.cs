using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Constructs;
using K8sLab.Bootstrap;
using K8sLab.Configuration;
using K8sLab.Images;
using K8sLab.Instances;
using K8sLab.Security;

namespace K8sLab.Bastion;

public sealed class BastionStackProps : StackProps
{
    public required LabConfig Config { get; init; }
    public required IVpc Vpc { get; init; }
    public required SecurityStack Security { get; init; }
    public required IMachineImageSource Images { get; init; }
    public required IBootstrapRenderer Bootstrap { get; init; }
}

/// <summary>The lab's one public host and its control host: SSH from the admin CIDR, or Session Manager.</summary>
public sealed class BastionStack : Stack
{
    public BootstrappedInstance Bastion { get; }

    public BastionStack(Construct scope, string id, BastionStackProps props) : base(scope, id, props)
    {
        var config = props.Config;
        Bastion = new BootstrappedInstance(this, "Bastion", new BootstrappedInstanceProps
        {
            Name = "bastion",
            Role = "bastion",
            Environment = config.Environment,
            Tags = config.Tags,
            Bootstrap = new BootstrapTemplate.Set(this).For("Bastion", props.Bootstrap.RenderBastion(new BastionSpec(config.Environment, config.Region) { Architecture = config.MachineImage.Architecture }), "bastion"),
            InstanceType = config.BastionType,
            ImageId = props.Images.ImageFor(this).GetImage(this).ImageId,
            SubnetId = props.Vpc.PublicSubnets[0].SubnetId,
            Public = true,
            SecurityGroupId = props.Security.Groups[SecurityGroupRole.Bastion].SecurityGroupId,
            InstanceProfileName = props.Security.BastionProfile.Ref,
            KeyName = props.Security.ClusterKeyName,
            VolumeGiB = 20,
        });

        // Plain outputs, never exports: nothing may import an attribute of a replaceable instance.
        Output("BastionUserData", $"{Bastion.UserData.ShortFingerprint} ({Bastion.UserData.Bytes} bytes)");
        Output("SessionManager", $"aws ssm start-session --region {config.Region} --target {Bastion.Resource.Ref}");
        Output("Ssh", $"ssh -i k8slab-{config.Environment}.pem {BootstrapRenderer.AdminUser}@{Bastion.PublicIp}");
    }

    private void Output(string id, string value) => _ = new CfnOutput(this, id, new CfnOutputProps { Value = value });
}
