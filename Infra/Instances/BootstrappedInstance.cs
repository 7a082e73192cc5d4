using System.Text.RegularExpressions;
using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Constructs;
using K8sLab.Bootstrap;
using K8sLab.Configuration;
using K8sLab.Tagging;

namespace K8sLab.Instances;

/// <summary>
/// What one instance needs. The shared values (image, key, profile, subnet, group) are passed as the
/// strings CDK resolves at synth, read once per stack rather than once per node: each read from a
/// CDK object is a round trip to the jsii runtime, and a 400-node lab would pay it thousands of times.
/// </summary>
public sealed class BootstrappedInstanceProps
{
    /// <summary>Host and inventory name; the k8slab:node tag, from which the instance names itself.</summary>
    public required string Name { get; init; }
    /// <summary>Value of the k8slab:role tag (bastion, control-plane, worker).</summary>
    public required string Role { get; init; }
    /// <summary>The launch template that carries this instance's user data and metadata options.</summary>
    public required BootstrapTemplate Bootstrap { get; init; }
    /// <summary>The instance type, from the table of types the lab knows (Configuration/InstanceTypes.cs).</summary>
    public required InstanceTypeSpec InstanceType { get; init; }
    /// <summary>The pinned machine image's ID (a token until deploy time when the image is not pinned).</summary>
    public required string ImageId { get; init; }
    /// <summary>The subnet of the instance's one network interface.</summary>
    public required string SubnetId { get; init; }
    /// <summary>Whether the interface asks for a public IPv4 address at launch (the bastion only).</summary>
    public required bool Public { get; init; }
    /// <summary>The security group of the instance's role.</summary>
    public required string SecurityGroupId { get; init; }
    /// <summary>The role's shared instance profile (by name), instead of one profile per instance.</summary>
    public required string InstanceProfileName { get; init; }
    /// <summary>The cluster key pair's name: the EC2 key pair the instance trusts for SSH.</summary>
    public required string KeyName { get; init; }
    /// <summary>Size of the encrypted gp3 root volume, 8 to 1024 GiB.</summary>
    public required int VolumeGiB { get; init; }
    /// <summary>The environment, for the k8slab:environment tag and the Name tag's prefix.</summary>
    public required string Environment { get; init; }
    /// <summary>The user's tags, after the lab's own (an instance's tags change in place).</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    /// <summary>
    /// The node's generation (environment file's <c>generations:</c>): above 0 it is part of the
    /// logical ID, so a new number launches a new instance. 0 leaves the logical ID as it was.
    /// </summary>
    public int Generation { get; init; }
    /// <summary>
    /// Whether the instance type is part of the logical ID, as the user data is (the nodes): a new type
    /// then launches new instances, which the convergence rolls in surge-first, instead of the stop and
    /// start of every instance at once with which CloudFormation updates InstanceType (which it cannot
    /// do to a stopped spot instance). False: the type is updated in place (the bastion).
    /// </summary>
    public bool TypeReplaces { get; init; }
    /// <summary>With <see cref="TypeReplaces"/>, the one type left out of the hash (the group's default),
    /// so that a lab on it keeps the logical IDs it had before the type became part of them.</summary>
    public string? UnhashedType { get; init; }
}

/// <summary>
/// An EC2 instance whose bootstrap can never change silently. Its user data lives in a
/// <see cref="BootstrapTemplate"/> shared by every instance with the same document, and its logical
/// ID ends in the same hash of that document that CDK's UserDataCausesReplacement would append:
/// a changed document gives a new logical ID, so CloudFormation creates a new instance, lets it boot
/// with the new document and deletes the old one only after the update succeeded. A node's instance
/// type is hashed in too (<see cref="BootstrappedInstanceProps.TypeReplaces"/>): its only property
/// whose update would stop and start it (the others either replace it, as ImageId, KeyName, the
/// network interface and the launch template do, or change in place, as tags and the profile do).
/// The construct holds one resource and nothing else, so a 400-node lab fits in one template; the
/// resource's logical ID is set to the readable name + hash (worker12 + hash), not derived from its path.
/// </summary>
public sealed class BootstrappedInstance : Construct
{
    private static readonly Regex ValidName = new("^[a-z][a-z0-9-]{0,40}$");

    /// <summary>The AWS::EC2::Instance resource.</summary>
    public CfnResource Resource { get; }

    /// <summary>Its logical ID: set here, so known without asking jsii.</summary>
    public string LogicalId { get; }
    public BootstrappedInstanceProps Props { get; }
    public UserDataDocument UserData => Props.Bootstrap.Document;
    /// <summary>The resource's properties as given to CloudFormation (tokens unresolved).</summary>
    public IReadOnlyDictionary<string, object> Properties { get; }

    public string PrivateIp => Token.AsString(Resource.GetAtt("PrivateIp"));
    public string PublicIp => Token.AsString(Resource.GetAtt("PublicIp"));

    public BootstrappedInstance(Construct scope, string id, BootstrappedInstanceProps props) : base(scope, id)
    {
        Validate(props);
        Props = props;
        // The logical ID is the name and the hash of the document (and of the type, for a node), and the
        // generation: what replaces the instance.
        // The properties go over as one plain map: CfnInstance with typed props cost 11 ms a node
        // in jsii round trips, this 5 ms (scripts/benchmark.sh); the rule suite checks the result.
        LogicalId = props.Name.Replace("-", "")
            + props.Bootstrap.ReplacementHash(props.TypeReplaces && props.InstanceType.Name != props.UnhashedType ? props.InstanceType.Name : null) + (props.Generation > 0 ? $"G{props.Generation}" : "");
        Properties = new Dictionary<string, object>
        {
            ["ImageId"] = props.ImageId,
            ["InstanceType"] = props.InstanceType.Name,
            ["KeyName"] = props.KeyName,
            ["IamInstanceProfile"] = props.InstanceProfileName,
            ["LaunchTemplate"] = new Dictionary<string, object> { ["LaunchTemplateId"] = props.Bootstrap.Template.Id, ["Version"] = props.Bootstrap.Template.Version },
            ["NetworkInterfaces"] = new object[] { new Dictionary<string, object> { ["DeviceIndex"] = "0", ["SubnetId"] = props.SubnetId, ["GroupSet"] = new object[] { props.SecurityGroupId }, ["AssociatePublicIpAddress"] = props.Public } },
            ["BlockDeviceMappings"] = RootVolume(props.VolumeGiB),
            // A raw resource is not reached by Tags.Of(stack): it carries the stack's tags itself.
            ["Tags"] = new (string Key, string Value)[]
                {
                    (LabTags.Environment, props.Environment),
                    (LabTags.ManagedBy, LabTags.ManagedByValue),
                    (LabTags.Name, $"k8slab-{props.Environment}-{props.Name}"),
                    (LabTags.Role, props.Role),
                    (LabTags.Node, props.Name),
                    (LabTags.Fingerprint, props.Bootstrap.Document.Fingerprint),
                }.Concat(props.Tags.Select(t => (t.Key, t.Value)))
                    .Select(t => (object)new Dictionary<string, object> { ["Key"] = t.Key, ["Value"] = t.Value }).ToArray(),
        };
        Resource = new CfnResource(this, "Resource", new CfnResourceProps
        {
            Type = "AWS::EC2::Instance",
            Properties = (IDictionary<string, object>)Properties,
        });
        Resource.OverrideLogicalId(LogicalId);
        // The cdk-nag findings the lab accepts on an instance (Compliance/NagSuppressions.cs): the stack
        // writes them, on the resource (the bastion) or once for all its nodes (the Nodes stack).
    }

    /// <summary>Ubuntu's root device, encrypted explicitly rather than by an account default that may be off.</summary>
    public static object[] RootVolume(int gib) => new object[]
    {
        new Dictionary<string, object>
        {
            ["DeviceName"] = "/dev/sda1",
            ["Ebs"] = new Dictionary<string, object> { ["Encrypted"] = true, ["VolumeType"] = "gp3", ["VolumeSize"] = gib, ["DeleteOnTermination"] = true },
        },
    };

    /// <summary>CDK's replacement suffix: the first 16 hex digits of md5(JSON.stringify(user data)).</summary>
    public static string UserDataHash(string userData) =>
        Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(
            System.Text.Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(userData, JsStringify))))[..16];

    /// <summary>
    /// The suffix when the instance type is part of the identity: the same md5, of JSON.stringify(user
    /// data) followed by a space and the type. A node on its group's default type keeps CDK's suffix.
    /// </summary>
    public static string UserDataAndTypeHash(string userData, string instanceType) =>
        Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(
            System.Text.Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(userData, JsStringify) + " " + instanceType)))[..16];

    // JSON.stringify escapes only quotes, backslashes and control characters.
    private static readonly System.Text.Json.JsonSerializerOptions JsStringify =
        new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static void Validate(BootstrappedInstanceProps props)
    {
        if (!ValidName.IsMatch(props.Name))
            throw new ArgumentException($"BootstrappedInstanceProps.Name: '{props.Name}' must be lower-case letters, digits and dashes, starting with a letter");
        if (props.Generation is < 0 or > 999)
            throw new ArgumentException($"BootstrappedInstanceProps.Generation: {props.Generation} for '{props.Name}'; allowed 0 to 999");
        if (props.VolumeGiB is < 8 or > 1024)
            throw new ArgumentException($"BootstrappedInstanceProps.VolumeGiB: {props.VolumeGiB} GiB for '{props.Name}'; allowed 8 to 1024");
    }
}
