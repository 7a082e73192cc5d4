namespace K8sLab.Bootstrap;

/// <summary>The bastion: the lab's only public host and the cluster's control host.</summary>
/// <param name="Program">Where the convergence program is (the Bastion stack's asset): its hash is in
/// the document, so a new program replaces the bastion.</param>
public sealed record BastionSpec(string Environment, string Region, ProgramLocation Program)
{
    /// <summary>The image's architecture (machineImage.architecture): which kubectl the bastion installs.</summary>
    public string Architecture { get; init; } = Configuration.Architectures.X86;
}
