using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using K8sLab.Bootstrap;
using K8sLab.Images;

namespace K8sLab.Instances;

/// <summary>
/// What a stack of <see cref="BootstrappedInstance"/>s takes from the rest of the lab: the network,
/// the image, the documents, and the two names its instances use from the Security stack.
/// </summary>
public abstract class InstanceStackProps : StackProps
{
    /// <summary>The environment: the instances' tags and Name prefix.</summary>
    public required string Environment { get; init; }
    /// <summary>
    /// The user's tags (environment file's <c>tags:</c>), on the instances after the lab's own. Not
    /// <see cref="StackProps.Tags"/>: stack tags would reach resources a tag replaces.
    /// </summary>
    public IReadOnlyDictionary<string, string> UserTags { get; init; } = new Dictionary<string, string>();
    /// <summary>The lab's VPC (Network stack): the bastion goes in a public subnet, the nodes in the private ones.</summary>
    public required IVpc Vpc { get; init; }
    /// <summary>The pinned machine image every instance boots.</summary>
    public required IMachineImageSource Images { get; init; }
    /// <summary>Renders the instances' user data.</summary>
    public required IBootstrapRenderer Bootstrap { get; init; }
    /// <summary>The cluster key pair's name: the EC2 key pair of every instance.</summary>
    public required string KeyName { get; init; }
    /// <summary>The instance profile the stack's instances share, by name.</summary>
    public required string InstanceProfileName { get; init; }
}
