using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3.Assets;
using Constructs;
using K8sLab.Bootstrap;
using K8sLab.Compliance;
using K8sLab.Configuration;
using K8sLab.Contract;
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
    /// <summary>The bastion's role (Security stack), by name: it may read the program's archive, and nothing else of the asset bucket.</summary>
    public required string RoleName { get; init; }
}

/// <summary>The lab's one public host and its control host: SSH from the admin CIDR, or Session Manager.</summary>
public sealed class BastionStack : Stack
{
    public BootstrappedInstance Bastion { get; }

    /// <summary>The convergence program's archive, uploaded by the deploy (cdk-assets) to CDK's asset bucket.</summary>
    public Asset Program { get; }

    public BastionStack(Construct scope, string id, BastionStackProps props) : base(scope, id, props)
    {
        // The archive is built from the app's own embedded files; CDK copies it into the assembly.
        Program = new Asset(this, "Program", new AssetProps
        {
            Path = ControlHostProgram.WriteTo(Path.Combine(Path.GetTempPath(), "k8slab-assets")),
            AssetHash = ControlHostProgram.Sha256,
            AssetHashType = AssetHashType.CUSTOM,
        });
        var location = new ProgramLocation(BucketForInstance(props.Region), Literal(Program.S3ObjectKey, "the asset's object key"), ControlHostProgram.Sha256);
        var read = new Policy(this, "ProgramRead", new PolicyProps
        {
            Roles = new[] { Role.FromRoleName(this, "BastionRole", props.RoleName) },
            Statements = new[]
            {
                new PolicyStatement(new PolicyStatementProps
                {
                    Sid = "ReadConvergenceProgram",
                    Actions = new[] { "s3:GetObject" },
                    Resources = new[] { Program.Bucket.ArnForObjects(Program.S3ObjectKey) },
                }),
            },
        });
        NagSuppressions.Attach(read.Node.DefaultChild, NagTarget.InstanceRolePolicy);

        Bastion = new BootstrappedInstance(this, "Bastion", new BootstrappedInstanceProps
        {
            Name = LabFacts.BastionName,
            Role = LabFacts.BastionRole,
            Environment = props.Environment,
            Tags = props.UserTags,
            Bootstrap = new BootstrapTemplate.Set(this).For("Bastion", props.Bootstrap.RenderBastion(new BastionSpec(props.Environment, props.Region, location) { Architecture = props.Architecture }), LabFacts.BastionName),
            InstanceType = props.InstanceType,
            ImageId = props.Images.ImageFor(this).GetImage(this).ImageId,
            SubnetId = props.Vpc.PublicSubnets[0].SubnetId,
            Public = true,
            SecurityGroupId = props.SecurityGroup.SecurityGroupId,
            InstanceProfileName = props.InstanceProfileName,
            KeyName = props.KeyName,
            VolumeGiB = 20,
        });
        // The cdk-nag findings the lab accepts on an instance with a public address (Compliance/NagSuppressions.cs).
        NagSuppressions.Attach(Bastion.Resource, NagTarget.Instance, NagTarget.PublicInstance);

        // The installer's first read of the archive comes after its permission exists.
        Bastion.Resource.AddDependency((CfnResource)read.Node.DefaultChild!);

        // Plain outputs, never exports: nothing may import an attribute of a replaceable instance.
        Output("BastionUserData", $"{Bastion.UserData.ShortFingerprint} ({Bastion.UserData.Bytes} bytes)");
        Output("SessionManager", $"aws ssm start-session --region {props.Region} --target {Bastion.Resource.Ref}");
        Output("Ssh", $"ssh -i k8slab-{props.Environment}.pem {BootstrapRenderer.AdminUser}@{Bastion.PublicIp}");
    }

    private void Output(string id, string value) => _ = new CfnOutput(this, id, new CfnOutputProps { Value = value });

    /// <summary>
    /// The asset bucket's name as the bastion can use it: CDK's synthesizer names it after the
    /// account and region (an Fn::Sub); the region is this stack's, the account is filled in by the
    /// bastion from its instance identity ("{account}"). The user data stays plain text, the same
    /// in every account, and names no other resource.
    /// </summary>
    private string BucketForInstance(string region)
    {
        var resolved = Resolve(Program.S3BucketName);
        var text = resolved switch
        {
            string plain => plain,
            IDictionary<string, object> sub when sub.TryGetValue("Fn::Sub", out var pattern) && pattern is string p => p,
            _ => throw new InvalidOperationException($"BastionStack: the asset bucket's name is {System.Text.Json.JsonSerializer.Serialize(resolved)}, not a name or an Fn::Sub"),
        };
        var bucket = text.Replace("${AWS::AccountId}", "{account}", StringComparison.Ordinal).Replace("${AWS::Region}", region, StringComparison.Ordinal);
        return bucket.Contains("${", StringComparison.Ordinal)
            ? throw new InvalidOperationException($"BastionStack: the asset bucket's name {text} depends on more than the account and region")
            : bucket;
    }

    private string Literal(string value, string what) => Resolve(value) is string text && !Token.IsUnresolved(text)
        ? text : throw new InvalidOperationException($"BastionStack: {what} is not known at synth");
}
