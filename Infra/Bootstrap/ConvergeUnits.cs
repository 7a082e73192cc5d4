namespace K8sLab.Bootstrap;

/// <summary>The systemd units on the bastion that look for a new convergence request and run the program.</summary>
public static class ConvergeUnits
{
    public const string Timer = "k8slab-converge.timer";

    // The admin user runs ansible, with the cluster key and the kubeconfig in its home.
    public const string ServiceUnit = $"[Unit]\nDescription=K8sLab: converge the cluster to the requested nodes\nAfter=network-online.target cloud-final.service\n\n" +
        $"[Service]\nType=oneshot\nUser={BootstrapRenderer.AdminUser}\nEnvironmentFile=/etc/k8slab/control-host.env\nEnvironment=PYTHONPATH={ControlHost.LibraryDir}\n" +
        $"ExecStart={ControlHost.AwsCliVenv}/bin/python3 -m k8slab_converge\n";

    public const string TimerUnit = "[Unit]\nDescription=K8sLab: look for a new convergence request\n\n[Timer]\nOnBootSec=1min\nOnUnitInactiveSec=30s\n\n[Install]\nWantedBy=timers.target\n";

    public static IEnumerable<WriteFile> Files => new[]
    {
        new WriteFile("/etc/systemd/system/k8slab-converge.service", ServiceUnit),
        new WriteFile($"/etc/systemd/system/{Timer}", TimerUnit),
    };
}
