using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Constructs;
using K8sLab.Bootstrap;
using K8sLab.Configuration;
using K8sLab.Instances;

namespace K8sLab.Bastion;

public sealed class BastionStackProps : InstanceStackProps
{
    /// <summary>The region, for the control host's AWS calls and the Session Manager command in the outputs.</summary>
    public required string Region { get; init; }
    /// <summary>The image's architecture (machineImage.architecture): which kubectl the bastion installs.</summary>
    public required string Architecture { get; init; }
    /// <summary>The bastion's instance type (bastion.instanceType).</summary>
    public required InstanceTypeSpec InstanceType { get; init; }
    /// <summary>The bastion's security group: SSH from the admin CIDR.</summary>
    public required ISecurityGroup SecurityGroup { get; init; }
}

/// <summary>The lab's one public host and its control host: SSH from the admin CIDR, or Session Manager.</summary>
public sealed class BastionStack : Stack
{
    public BootstrappedInstance Bastion { get; }

    public BastionStack(Construct scope, string id, BastionStackProps props) : base(scope, id, props)
    {
        Bastion = new BootstrappedInstance(this, "Bastion", new BootstrappedInstanceProps
        {
            Name = "bastion",
            Role = "bastion",
            Environment = props.Environment,
            Tags = props.UserTags,
            Bootstrap = new BootstrapTemplate.Set(this).For("Bastion", props.Bootstrap.RenderBastion(new BastionSpec(props.Environment, props.Region) { Architecture = props.Architecture }), "bastion"),
            InstanceType = props.InstanceType,
            ImageId = props.Images.ImageFor(this).GetImage(this).ImageId,
            SubnetId = props.Vpc.PublicSubnets[0].SubnetId,
            Public = true,
            SecurityGroupId = props.SecurityGroup.SecurityGroupId,
            InstanceProfileName = props.InstanceProfileName,
            KeyName = props.KeyName,
            VolumeGiB = 20,
        });

        // Plain outputs, never exports: nothing may import an attribute of a replaceable instance.
        Output("BastionUserData", $"{Bastion.UserData.ShortFingerprint} ({Bastion.UserData.Bytes} bytes)");
        Output("SessionManager", $"aws ssm start-session --region {props.Region} --target {Bastion.Resource.Ref}");
        Output("Ssh", $"ssh -i k8slab-{props.Environment}.pem {BootstrapRenderer.AdminUser}@{Bastion.PublicIp}");
    }

    private void Output(string id, string value) => _ = new CfnOutput(this, id, new CfnOutputProps { Value = value });
}
