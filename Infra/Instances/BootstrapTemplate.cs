using Amazon.CDK.AWS.EC2;
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
    public LaunchTemplate Template { get; }
    public UserDataDocument Document { get; }
    /// <summary>Read once, shared by the instances (each read is a jsii round trip).</summary>
    public string LaunchTemplateId { get; }
    public string LaunchTemplateVersion { get; }
    /// <summary>The suffix of every logical ID of an instance that boots <see cref="Document"/>.</summary>
    public string ReplacementHash { get; }

    private BootstrapTemplate(Construct scope, string id, UserDataDocument document, string instanceName) : base(scope, id)
    {
        if (document.Bytes > UserDataDocument.Ec2LimitBytes)
            throw new ArgumentException($"BootstrapTemplate.Document: the document of instance '{instanceName}' is {document.Bytes} bytes; EC2 takes at most {UserDataDocument.Ec2LimitBytes}");
        Document = document;
        Template = Metadata(this, "Template", UserData.Custom(document.Text));
        LaunchTemplateId = Template.LaunchTemplateId!;
        LaunchTemplateVersion = Template.LatestVersionNumber;
        ReplacementHash = BootstrappedInstance.UserDataHash(document.Text);
    }

    /// <summary>The templates of one stack, one per role and distinct document.</summary>
    public sealed class Set(Construct scope)
    {
        private readonly Dictionary<string, BootstrapTemplate> _made = new();

        public BootstrapTemplate For(string role, UserDataDocument document, string instanceName)
        {
            var key = role + document.Fingerprint;
            if (!_made.TryGetValue(key, out var template))
                _made[key] = template = new BootstrapTemplate(scope, $"{role}Bootstrap{document.ShortFingerprint}", document, instanceName);
            return template;
        }
    }

    /// <summary>
    /// What the templates hold besides the user data. A change to <see cref="Metadata"/> replaces
    /// every instance without changing a fingerprint, so it must change this text too: the
    /// convergence request includes it.
    /// </summary>
    public const string Options = "IMDSv2 required, hop limit 1, instance tags in metadata";

    /// <summary>
    /// IMDSv2 only with one hop, so pods cannot reach the instance's credentials; instance tags in
    /// the metadata, so an instance can read its own name.
    /// </summary>
    public static LaunchTemplate Metadata(Construct scope, string id, UserData? userData = null) => new(scope, id, new LaunchTemplateProps
    {
        HttpTokens = LaunchTemplateHttpTokens.REQUIRED,
        HttpPutResponseHopLimit = 1,
        HttpEndpoint = true,
        InstanceMetadataTags = true,
        UserData = userData,
    });
}
