using System.Text.RegularExpressions;
using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Constructs;
using K8sLab.Bootstrap;
using K8sLab.Configuration;

namespace K8sLab.Instances;

public sealed class BootstrappedInstanceProps
{
    /// <summary>Host and inventory name; also the suffix of the Name tag.</summary>
    public required string Name { get; init; }
    /// <summary>Value of the k8slab:role tag (bastion, control-plane, worker).</summary>
    public required string Role { get; init; }
    public required UserDataDocument UserData { get; init; }
    public required InstanceTypeSpec InstanceType { get; init; }
    public required IMachineImage Image { get; init; }
    public required IVpc Vpc { get; init; }
    public required ISubnet Subnet { get; init; }
    public required bool Public { get; init; }
    public required ISecurityGroup SecurityGroup { get; init; }
    public required IRole IamRole { get; init; }
    /// <summary>The role's shared instance profile (by name), instead of one profile per instance.</summary>
    public required string InstanceProfileName { get; init; }
    /// <summary>The role's shared launch template, which carries the metadata options (IMDSv2).</summary>
    public required LaunchTemplate LaunchTemplate { get; init; }
    public required IKeyPair KeyPair { get; init; }
    public required int VolumeGiB { get; init; }
    public required string NamePrefix { get; init; }
}

/// <summary>
/// An EC2 instance whose bootstrap can never change silently: a changed user-data document gives
/// the instance a new logical ID (CDK's UserDataCausesReplacement, off unless set), so CloudFormation
/// creates a new instance, lets it boot with the new document and only then deletes the old one.
/// The document's fingerprint is tagged on the instance.
/// </summary>
public sealed class BootstrappedInstance : Construct
{
    public const string FingerprintTag = "k8slab:userdata-sha256";
    private static readonly Regex ValidName = new("^[a-z][a-z0-9-]{0,40}$");

    public Instance_ Instance { get; }
    public BootstrappedInstanceProps Props { get; }

    public BootstrappedInstance(Construct scope, string id, BootstrappedInstanceProps props) : base(scope, id)
    {
        Validate(props);
        Props = props;
        Instance = new Instance_(this, "Instance", new InstanceProps
        {
            InstanceName = $"{props.NamePrefix}-{props.Name}",
            InstanceType = new InstanceType(props.InstanceType.Name),
            MachineImage = props.Image,
            Vpc = props.Vpc,
            VpcSubnets = new SubnetSelection { Subnets = new[] { props.Subnet } },
            AssociatePublicIpAddress = props.Public,
            SecurityGroup = props.SecurityGroup,
            Role = props.IamRole,
            KeyPair = props.KeyPair,
            UserData = UserData.Custom(props.UserData.Text),
            UserDataCausesReplacement = true,
            BlockDevices = new IBlockDevice[] { RootVolume(props.VolumeGiB) },
        });

        var cfn = (CfnInstance)Instance.Node.DefaultChild!;
        // The shared profile replaces the one Instance makes for itself; the launch template only
        // adds metadata options (the user data stays on the instance, inside the replacement hash).
        cfn.IamInstanceProfile = props.InstanceProfileName;
        Instance.Node.TryRemoveChild("InstanceProfile");
        cfn.LaunchTemplate = new CfnInstance.LaunchTemplateSpecificationProperty
        {
            LaunchTemplateId = props.LaunchTemplate.LaunchTemplateId,
            Version = props.LaunchTemplate.LatestVersionNumber,
        };

        Tags.Of(Instance).Add("k8slab:role", props.Role);
        Tags.Of(Instance).Add("k8slab:node", props.Name);
        Tags.Of(Instance).Add(FingerprintTag, props.UserData.Fingerprint);
    }

    /// <summary>Ubuntu's root device, encrypted explicitly rather than by an account default that may be off.</summary>
    public static BlockDevice RootVolume(int gib) => new()
    {
        DeviceName = "/dev/sda1",
        Volume = BlockDeviceVolume.Ebs(gib, new EbsDeviceOptions
        {
            Encrypted = true,
            VolumeType = EbsDeviceVolumeType.GP3,
            DeleteOnTermination = true,
        }),
    };

    /// <summary>
    /// Brings an instance built by another construct (the NAT instance provider) to the lab's rules:
    /// the metadata template, an encrypted root volume, and a logical ID that carries the same
    /// user-data hash CDK's UserDataCausesReplacement would append.
    /// </summary>
    public static void Harden(CfnInstance instance, LaunchTemplate metadata, int volumeGiB, string userData)
    {
        instance.LaunchTemplate = new CfnInstance.LaunchTemplateSpecificationProperty
        {
            LaunchTemplateId = metadata.LaunchTemplateId,
            Version = metadata.LatestVersionNumber,
        };
        instance.BlockDeviceMappings = new[]
        {
            new CfnInstance.BlockDeviceMappingProperty
            {
                DeviceName = "/dev/sda1",
                Ebs = new CfnInstance.EbsProperty { Encrypted = true, VolumeType = "gp3", VolumeSize = volumeGiB, DeleteOnTermination = true },
            },
        };
        instance.OverrideLogicalId(Stack.Of(instance).GetLogicalId(instance) + UserDataHash(userData));
        Tags.Of(instance).Add(FingerprintTag, new UserDataDocument(userData).Fingerprint);
    }

    /// <summary>CDK's replacement suffix: the first 16 hex digits of md5(JSON.stringify(user data)).</summary>
    public static string UserDataHash(string userData) =>
        Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(
            System.Text.Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(userData, JsStringify))))[..16];

    // JSON.stringify escapes only quotes, backslashes and control characters.
    private static readonly System.Text.Json.JsonSerializerOptions JsStringify =
        new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The role's launch template: IMDSv2 only, one hop, so pods cannot reach the instance's credentials.</summary>
    public static LaunchTemplate MetadataTemplate(Construct scope, string id) => new(scope, id, new LaunchTemplateProps
    {
        HttpTokens = LaunchTemplateHttpTokens.REQUIRED,
        HttpPutResponseHopLimit = 1,
        HttpEndpoint = true,
    });

    private static void Validate(BootstrappedInstanceProps props)
    {
        if (!ValidName.IsMatch(props.Name))
            throw new ArgumentException($"BootstrappedInstanceProps.Name: '{props.Name}' must be lower-case letters, digits and dashes, starting with a letter");
        if (props.UserData.Bytes > UserDataDocument.Ec2LimitBytes)
            throw new ArgumentException($"BootstrappedInstanceProps.UserData: the document of instance '{props.Name}' is {props.UserData.Bytes} bytes; EC2 takes at most {UserDataDocument.Ec2LimitBytes}");
        if (props.VolumeGiB is < 8 or > 1024)
            throw new ArgumentException($"BootstrappedInstanceProps.VolumeGiB: {props.VolumeGiB} GiB for '{props.Name}'; allowed 8 to 1024");
    }
}
