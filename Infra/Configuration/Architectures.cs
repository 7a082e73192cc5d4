namespace K8sLab.Configuration;

/// <summary>
/// One architecture per environment: every instance (bastion, nodes, NAT instance) boots the one
/// image pinned in <c>machineImage</c>, and an AMI is built for exactly one architecture. So the
/// image's architecture decides which instance types fit, and the defaults follow it.
/// </summary>
public static class Architectures
{
    /// <summary>EC2's names, as the instance-type table and DescribeImages use them.</summary>
    public const string X86 = "x86_64";
    public const string Arm = "arm64";

    /// <summary>The name Ubuntu, Canonical's SSM parameters and Kubernetes' downloads use.</summary>
    public static string Debian(string architecture) => architecture == Arm ? "arm64" : "amd64";

    // The Graviton counterpart of each x86 default: same vCPUs and memory.
    private static readonly Dictionary<string, string> ArmDefaults = new()
    {
        ["t3.micro"] = "t4g.micro",
        ["t3.small"] = "t4g.small",
        ["t3.medium"] = "t4g.medium",
    };

    public static string Default(string x86Default, string architecture) =>
        architecture == Arm && ArmDefaults.TryGetValue(x86Default, out var arm) ? arm : x86Default;

    /// <summary>Why <paramref name="type"/> cannot boot the environment's image, or null when it can.</summary>
    public static string? Mismatch(InstanceTypeSpec type, string architecture)
    {
        if (type.Architecture == architecture) return null;
        var examples = architecture == Arm ? "t4g, m7g, c7g, ..." : "t3, m6i, c6i, ...";
        return $"{type.Name} is {type.Architecture}, but machineImage.architecture is {architecture} (one image boots every instance); " +
               $"choose an {architecture} type ({examples}) or set machineImage.architecture: {type.Architecture} and pin its image";
    }
}
