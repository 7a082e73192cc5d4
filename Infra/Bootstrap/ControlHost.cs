namespace K8sLab.Bootstrap;

/// <summary>
/// What the bastion needs to converge the cluster: the k8slab_converge program (Python: the control
/// host's language, run by the AWS CLI's own interpreter, whose botocore it uses; its source and tests
/// are in converge/), the lab's two playbooks, the systemd units that run it
/// (<see cref="ConvergeUnits"/>), and the names it reads.
/// </summary>
public static class ControlHost
{
    public const string LibraryDir = "/usr/local/lib/k8slab";
    public const string PlaybooksDir = LibraryDir + "/playbooks";
    /// <summary>The AWS CLI's venv (setup-control-host.sh installs it); its Python has botocore.</summary>
    public const string AwsCliVenv = "/opt/k8slab/awscli";

    /// <summary>The request's header parameter; its node parts are this name with -1, -2, ...</summary>
    public static string RequestParameter(string environment) => $"/k8slab/{environment}/converge-request";

    /// <summary>
    /// The cluster's admin credentials, a SecureString the bastion writes after each successful
    /// convergence and scripts/kubeconfig.sh reads with the user's own credentials. Not in any
    /// template (CloudFormation cannot create a SecureString, and a value there would be readable).
    /// </summary>
    public static string KubeconfigParameter(string environment) => $"/k8slab/{environment}/kubeconfig";

    /// <summary>The variables the program reads besides the control host's own.</summary>
    public static IEnumerable<string> Environment() => new[]
    {
        $"K8SLAB_PLAYBOOKS={PlaybooksDir}",
        // The AWS CLI (the key fetch) retries throttling and transient errors with backoff.
        "AWS_RETRY_MODE=standard",
        "AWS_MAX_ATTEMPTS=10",
    };

    /// <summary>
    /// The program and playbooks, as text: the bastion's whole document is gzipped for EC2
    /// (<see cref="UserDataDocument.Gzip"/>), which compresses them better than file by file.
    /// </summary>
    public static IReadOnlyList<WriteFile> Files => _files.Value;

    private static readonly Lazy<IReadOnlyList<WriteFile>> _files = new(() =>
        EmbeddedFiles.Under("k8slab_converge/").Select(r => new WriteFile($"{LibraryDir}/{r.Name}", PythonSource.Compact(r.Text)))
            .Concat(EmbeddedFiles.Under("playbooks/").Select(r => new WriteFile($"{LibraryDir}/{r.Name}", r.Text)))
            .Concat(ConvergeUnits.Files)
            .ToList());
}
