namespace K8sLab.Bootstrap;

/// <summary>The bastion: the lab's only public host and the cluster's control host.</summary>
public sealed record BastionSpec(string Environment, string Region)
{
    /// <summary>The image's architecture (machineImage.architecture): which kubectl the bastion installs.</summary>
    public string Architecture { get; init; } = Configuration.Architectures.X86;
}
