using System.Text.RegularExpressions;
using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Constructs;
using K8sLab.Bootstrap;
using K8sLab.Configuration;

namespace K8sLab.Instances;

public sealed class BootstrappedInstanceProps
{
    /// <summary>Host and inventory name; the k8slab:node tag, from which the instance names itself.</summary>
    public required string Name { get; init; }
    /// <summary>Value of the k8slab:role tag (bastion, control-plane, worker).</summary>
    public required string Role { get; init; }
    /// <summary>The launch template that carries this instance's user data and metadata options.</summary>
    public required BootstrapTemplate Bootstrap { get; init; }
    public required InstanceTypeSpec InstanceType { get; init; }
    public required IMachineImage Image { get; init; }
    public required ISubnet Subnet { get; init; }
    public required bool Public { get; init; }
    public required ISecurityGroup SecurityGroup { get; init; }
    /// <summary>The role's shared instance profile (by name), instead of one profile per instance.</summary>
    public required string InstanceProfileName { get; init; }
    public required IKeyPair KeyPair { get; init; }
    public required int VolumeGiB { get; init; }
    /// <summary>Prefix of the Name tag, such as k8slab-dev.</summary>
    public required string NamePrefix { get; init; }
}

/// <summary>
/// An EC2 instance whose bootstrap can never change silently. Its user data lives in a
/// <see cref="BootstrapTemplate"/> shared by every instance with the same document, and its logical
/// ID ends in the same hash of that document that CDK's UserDataCausesReplacement would append:
/// a changed document gives a new logical ID, so CloudFormation creates a new instance, lets it boot
/// with the new document and deletes the old one only after the update succeeded.
/// One instance is one resource, which is what lets a 400-node lab fit in one template.
/// </summary>
public sealed class BootstrappedInstance : Construct
{
    public const string FingerprintTag = "k8slab:userdata-sha256";
    public const string NodeTag = "k8slab:node";
    public const string RoleTag = "k8slab:role";
    private static readonly Regex ValidName = new("^[a-z][a-z0-9-]{0,40}$");

    public CfnInstance Instance { get; }
    public BootstrappedInstanceProps Props { get; }
    public UserDataDocument UserData => Props.Bootstrap.Document;

    public BootstrappedInstance(Construct scope, string id, BootstrappedInstanceProps props) : base(scope, id)
    {
        Validate(props);
        Props = props;
        Instance = new CfnInstance(this, "Resource", new CfnInstanceProps
        {
            ImageId = props.Image.GetImage(this).ImageId,
            InstanceType = props.InstanceType.Name,
            KeyName = props.KeyPair.KeyPairName,
            IamInstanceProfile = props.InstanceProfileName,
            LaunchTemplate = new CfnInstance.LaunchTemplateSpecificationProperty
            {
                LaunchTemplateId = props.Bootstrap.Template.LaunchTemplateId,
                Version = props.Bootstrap.Template.LatestVersionNumber,
            },
            NetworkInterfaces = new[]
            {
                new CfnInstance.NetworkInterfaceProperty
                {
                    DeviceIndex = "0",
                    SubnetId = props.Subnet.SubnetId,
                    GroupSet = new[] { props.SecurityGroup.SecurityGroupId },
                    AssociatePublicIpAddress = props.Public,
                },
            },
            BlockDeviceMappings = new[] { RootVolume(props.VolumeGiB) },
            Tags = new[]
            {
                new CfnTag { Key = "Name", Value = $"{props.NamePrefix}-{props.Name}" },
                new CfnTag { Key = RoleTag, Value = props.Role },
                new CfnTag { Key = NodeTag, Value = props.Name },
                new CfnTag { Key = FingerprintTag, Value = props.Bootstrap.Document.Fingerprint },
            },
        });
        Instance.OverrideLogicalId(Stack.Of(this).GetLogicalId(Instance) + UserDataHash(props.Bootstrap.Document.Text));
    }

    /// <summary>Ubuntu's root device, encrypted explicitly rather than by an account default that may be off.</summary>
    public static CfnInstance.BlockDeviceMappingProperty RootVolume(int gib) => new()
    {
        DeviceName = "/dev/sda1",
        Ebs = new CfnInstance.EbsProperty { Encrypted = true, VolumeType = "gp3", VolumeSize = gib, DeleteOnTermination = true },
    };

    /// <summary>
    /// Brings an instance built by another construct (the NAT instance provider) to the lab's rules:
    /// the metadata options, an encrypted root volume, and a logical ID that carries the hash of the
    /// user data it keeps on the instance.
    /// </summary>
    public static void Harden(CfnInstance instance, LaunchTemplate metadata, int volumeGiB, string userData)
    {
        instance.LaunchTemplate = new CfnInstance.LaunchTemplateSpecificationProperty
        {
            LaunchTemplateId = metadata.LaunchTemplateId,
            Version = metadata.LatestVersionNumber,
        };
        instance.BlockDeviceMappings = new[] { RootVolume(volumeGiB) };
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

    private static void Validate(BootstrappedInstanceProps props)
    {
        if (!ValidName.IsMatch(props.Name))
            throw new ArgumentException($"BootstrappedInstanceProps.Name: '{props.Name}' must be lower-case letters, digits and dashes, starting with a letter");
        if (props.VolumeGiB is < 8 or > 1024)
            throw new ArgumentException($"BootstrappedInstanceProps.VolumeGiB: {props.VolumeGiB} GiB for '{props.Name}'; allowed 8 to 1024");
    }
}
