using Amazon.CDK;
using Constructs;
using K8sLab.Bootstrap;

namespace K8sLab.Instances;

/// <summary>
/// A launch template holding one user-data document and the lab's metadata options. Instances that
/// boot the same document share it; its construct ID carries the document's fingerprint, so a new
/// document is a new template, created before and deleted after the instances that move to it.
/// </summary>
public sealed class BootstrapTemplate : Construct
{
    public UserDataDocument Document { get; }
    /// <summary>Read once, shared by the instances (each read is a jsii round trip).</summary>
    public LaunchTemplateReference Template { get; }
    private readonly string _userDataHash;
    private readonly Dictionary<string, string> _withType = new();

    private BootstrapTemplate(Construct scope, string id, UserDataDocument document, string instanceName, bool spot = false) : base(scope, id)
    {
        if (document.Bytes > UserDataDocument.Ec2LimitBytes)
            throw new ArgumentException($"BootstrapTemplate.Document: the document of instance '{instanceName}' is {document.Bytes} bytes; EC2 takes at most {UserDataDocument.Ec2LimitBytes}");
        Document = document;
        Template = LaunchTemplate(this, "Template", document, spot ? SpotMarket.LaunchTemplateData : null);
        _userDataHash = BootstrappedInstance.UserDataHash(document.Text);
    }

    /// <summary>
    /// The suffix of the logical ID of an instance that boots <see cref="Document"/>: the document's hash,
    /// or, when <paramref name="instanceType"/> is given, the hash of the document and the type. Computed
    /// once per type (a group's nodes share both).
    /// </summary>
    public string ReplacementHash(string? instanceType)
    {
        if (instanceType is null) return _userDataHash;
        if (!_withType.TryGetValue(instanceType, out var hash))
            _withType[instanceType] = hash = BootstrappedInstance.UserDataAndTypeHash(Document.Text, instanceType);
        return hash;
    }

    /// <summary>The templates of one stack, one per role and distinct document.</summary>
    public sealed class Set(Construct scope)
    {
        private readonly Dictionary<string, BootstrapTemplate> _made = new();

        /// <param name="spot">Spot capacity: a template of its own (ID ending in Spot), so turning it on
        /// or off replaces the group's instances like a new document does.</param>
        public BootstrapTemplate For(string role, UserDataDocument document, string instanceName, bool spot = false)
        {
            var key = role + document.Fingerprint + (spot ? "Spot" : "");
            if (!_made.TryGetValue(key, out var template))
                _made[key] = template = new BootstrapTemplate(scope, $"{role}Bootstrap{document.ShortFingerprint}{(spot ? "Spot" : "")}", document, instanceName, spot);
            return template;
        }
    }

    /// <summary>
    /// Makes a launch template with the lab's metadata options, and <paramref name="userData"/> and
    /// <paramref name="more"/> data when given: IMDSv2 only with one hop, so pods cannot reach the
    /// instance's credentials; instance tags in the metadata, so an instance can read its own name.
    /// A raw resource, so that no <c>Tags.Of</c> reaches it: a tag in its tag specifications would
    /// make a new template version, and an instance's LaunchTemplate (version included) is
    /// create-only, so one tag would replace every instance. The resource keeps the construct path
    /// (<paramref name="id"/>/Resource) and the Name tags of CDK's LaunchTemplate it replaced, so its
    /// logical ID and data stay the same as before and no running instance is replaced by the move.
    /// </summary>
    public static LaunchTemplateReference LaunchTemplate(Construct scope, string id, UserDataDocument? userData = null, IReadOnlyDictionary<string, object>? more = null)
    {
        var container = new Construct(scope, id);
        var name = new[] { new Dictionary<string, object> { ["Key"] = "Name", ["Value"] = container.Node.Path } };
        var data = new Dictionary<string, object>
        {
            ["MetadataOptions"] = new Dictionary<string, object>
            {
                ["HttpEndpoint"] = "enabled",
                ["HttpPutResponseHopLimit"] = 1,
                ["HttpTokens"] = "required",
                ["InstanceMetadataTags"] = "enabled",
            },
            ["TagSpecifications"] = new object[]
            {
                new Dictionary<string, object> { ["ResourceType"] = "instance", ["Tags"] = name },
                new Dictionary<string, object> { ["ResourceType"] = "volume", ["Tags"] = name },
            },
        };
        // As text, for the template's readers (and cdk diff): every document is plain cloud-config.
        if (userData is not null) data["UserData"] = Fn.Base64(userData.Text);
        // Only what a caller asks for (spot): templates without it stay exactly as they were.
        foreach (var (key, value) in more ?? new Dictionary<string, object>()) data[key] = value;
        if (data.ContainsKey("InstanceMarketOptions"))
            data["TagSpecifications"] = ((object[])data["TagSpecifications"]).Append(new Dictionary<string, object> { ["ResourceType"] = "spot-instances-request", ["Tags"] = name }).ToArray();
        var template = new CfnResource(container, "Resource", new CfnResourceProps
        {
            Type = "AWS::EC2::LaunchTemplate",
            Properties = new Dictionary<string, object>
            {
                ["LaunchTemplateData"] = data,
                ["TagSpecifications"] = new object[] { new Dictionary<string, object> { ["ResourceType"] = "launch-template", ["Tags"] = name } },
            },
        });
        return new LaunchTemplateReference(template.Ref, Token.AsString(template.GetAtt("LatestVersionNumber")), data);
    }
}

/// <summary>A launch template as an instance names it: its ID and the version to launch; and what it holds.</summary>
public sealed record LaunchTemplateReference(string Id, string Version, IReadOnlyDictionary<string, object> Data);
