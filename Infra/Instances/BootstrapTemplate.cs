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

    private BootstrapTemplate(Construct scope, string id, UserDataDocument document, string instanceName) : base(scope, id)
    {
        if (document.Bytes > UserDataDocument.Ec2LimitBytes)
            throw new ArgumentException($"BootstrapTemplate.Document: the document of instance '{instanceName}' is {document.Bytes} bytes; EC2 takes at most {UserDataDocument.Ec2LimitBytes}");
        Document = document;
        Template = Metadata(this, "Template", UserData.Custom(document.Text));
    }

    /// <summary>The template for <paramref name="document"/> under <paramref name="scope"/>: made once, then shared.</summary>
    public static BootstrapTemplate For(Construct scope, string role, UserDataDocument document, string instanceName)
    {
        var id = $"{role}Bootstrap{document.ShortFingerprint}";
        return scope.Node.TryFindChild(id) as BootstrapTemplate ?? new BootstrapTemplate(scope, id, document, instanceName);
    }

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
