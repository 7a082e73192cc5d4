using System.Reflection;
using System.Text;
using K8sLab.Bootstrap;

namespace K8sLab.Convergence;

/// <summary>
/// What the bastion needs to converge the cluster: the k8slab_converge program (Python: the control
/// host's language, run by the AWS CLI's own interpreter, whose botocore it uses), the lab's two
/// playbooks, the systemd timer that runs it, and the names it reads.
/// </summary>
public static class ControlHost
{
    public const string LibraryDir = "/usr/local/lib/k8slab";
    public const string PlaybooksDir = LibraryDir + "/playbooks";
    /// <summary>The AWS CLI's venv (setup-control-host.sh installs it); its Python has botocore.</summary>
    public const string AwsCliVenv = "/opt/k8slab/awscli";

    /// <summary>The request's header parameter; its node parts are this name with -1, -2, ...</summary>
    public static string RequestParameter(string environment) => $"/k8slab/{environment}/converge-request";

    /// <summary>The variables the program reads besides the control host's own.</summary>
    public static IEnumerable<string> Environment() => new[]
    {
        $"K8SLAB_PLAYBOOKS={PlaybooksDir}",
        // The AWS CLI (the key fetch) retries throttling and transient errors with backoff.
        "AWS_RETRY_MODE=standard",
        "AWS_MAX_ATTEMPTS=10",
    };

    /// <summary>
    /// The program (without its comments and docstrings: <see cref="PythonSource"/>) and playbooks, as
    /// text: the bastion's whole document is gzipped for EC2 (<see cref="UserDataDocument.Gzip"/>),
    /// which compresses them better than file by file.
    /// </summary>
    public static IReadOnlyList<WriteFile> Files => _files.Value;

    private static readonly Lazy<IReadOnlyList<WriteFile>> _files = new(() =>
        Resources("k8slab_converge/").Select(r => new WriteFile($"{LibraryDir}/{r.Name}", PythonSource.Compact(r.Text)))
            .Concat(Resources("playbooks/").Select(r => new WriteFile($"{LibraryDir}/{r.Name}", r.Text)))
            .Append(new WriteFile("/etc/systemd/system/k8slab-converge.service", Service))
            .Append(new WriteFile("/etc/systemd/system/k8slab-converge.timer", Timer))
            .ToList());

    // The admin user runs ansible, with the cluster key and the kubeconfig in its home.
    public const string Service = $"[Unit]\nDescription=K8sLab: converge the cluster to the requested nodes\nAfter=network-online.target cloud-final.service\n\n" +
        $"[Service]\nType=oneshot\nUser={BootstrapRenderer.AdminUser}\nEnvironmentFile=/etc/k8slab/control-host.env\nEnvironment=PYTHONPATH={LibraryDir}\n" +
        $"ExecStart={AwsCliVenv}/bin/python3 -m k8slab_converge\n";

    public const string Timer = "[Unit]\nDescription=K8sLab: look for a new convergence request\n\n[Timer]\nOnBootSec=1min\nOnUnitInactiveSec=30s\n\n[Install]\nWantedBy=timers.target\n";

    /// <summary>The embedded files under <paramref name="prefix"/>, by name, in a stable order.</summary>
    public static IReadOnlyList<(string Name, string Text)> Resources(string prefix)
    {
        var assembly = Assembly.GetExecutingAssembly();
        return assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            .Select(n =>
            {
                using var stream = assembly.GetManifestResourceStream(n)!;
                return (n, new StreamReader(stream).ReadToEnd());
            }).ToList();
    }
}
