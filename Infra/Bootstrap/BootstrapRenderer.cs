using K8sLab.Contract;

namespace K8sLab.Bootstrap;

/// <summary>Renders the lab's cloud-init documents. Pure: no CDK, no I/O beyond its embedded scripts.</summary>
public sealed class BootstrapRenderer : IBootstrapRenderer
{
    public static readonly string AdminUser = LabFacts.ControlHost.AdminUser;

    // Rendered once per role: the document does not depend on the node (400 renders cost 0.6 s).
    private readonly Dictionary<NodeRole, UserDataDocument> _nodes = new();
    private readonly Dictionary<BastionSpec, UserDataDocument> _bastion = new();

    // What kubespray's preinstall role would otherwise fetch on every node, plus what ansible needs.
    private static readonly string[] NodePackages =
        { "conntrack", "socat", "ipset", "ipvsadm", "ebtables", "rsync", "curl", "python3-apt" };

    private static readonly string[] BastionPackages =
        { "git", "python3-venv", "python3-pip", "jq", "curl", "unzip" };

    // Only the cluster key, set as the instances' EC2 key pair, opens SSH.
    private static readonly WriteFile SshdHardening = new("/etc/ssh/sshd_config.d/60-k8slab.conf",
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin no\n");

    /// <summary>
    /// The same document for every node of a role (the node names itself from its tag), so the
    /// nodes of a role share one launch template and a node costs one resource in the template.
    /// Roles get their own documents: a change meant for workers replaces workers only.
    /// </summary>
    public UserDataDocument RenderNode(NodeSpec node) =>
        _nodes.TryGetValue(node.Role, out var cached) ? cached : _nodes[node.Role] = RenderRole(node.Role);

    private static UserDataDocument RenderRole(NodeRole role) => CloudConfigRenderer.Render(new CloudConfig
    {
        PreserveHostname = true,
        SshPwauth = false,
        DisableRoot = true,
        Swap = new SwapSettings(0),
        PackageUpdate = true,
        Packages = NodePackages,
        WriteFiles = new[]
        {
            new WriteFile("/etc/modules-load.d/kubernetes.conf", "overlay\nbr_netfilter\n"),
            new WriteFile("/etc/sysctl.d/99-kubernetes.conf",
                "net.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\nnet.ipv4.ip_forward = 1\n"),
            SshdHardening,
            new WriteFile("/usr/local/sbin/k8slab-name-node", EmbeddedFiles.ScriptWithoutComments("name-node.sh"), "0755"),
            new WriteFile("/etc/k8slab/node-role", NodeSpec.Facts(role).Tag + "\n"),
        },
        Runcmd = new[]
        {
            "/usr/local/sbin/k8slab-name-node",
            "modprobe overlay",
            "modprobe br_netfilter",
            "sysctl --system",
            // kubelet refuses to start with swap on; keep it off across reboots too.
            "swapoff -a",
            "sed -i -E '/\\sswap\\s/s/^([^#])/#\\1/' /etc/fstab",
            // EC2 Instance Connect would let anyone with the API permission push a key.
            "apt-get purge -y ec2-instance-connect",
            // Ubuntu 24.04 starts sshd on its socket's first connection: a plain reload fails before that.
            "systemctl try-reload-or-restart ssh",
        },
    });

    /// <summary>Renders (and caches) the nodes' documents a synth of <paramref name="config"/> will ask for.</summary>
    public void Warm(Configuration.LabConfig config)
    {
        RenderNode(new NodeSpec(config.Environment, NodeRole.ControlPlane, 1));
        RenderNode(new NodeSpec(config.Environment, NodeRole.Worker, 1));
    }

    /// <summary>
    /// The bastion's document stays small and plain: the control host's settings, the installer of
    /// the program (an asset, <see cref="ControlHostProgram"/>, checked against the hash given here),
    /// and the SSH hardening. The program's own setup does the rest.
    /// </summary>
    public UserDataDocument RenderBastion(BastionSpec bastion) => _bastion.TryGetValue(bastion, out var cached) ? cached : _bastion[bastion] = RenderControlHost(bastion);

    private static UserDataDocument RenderControlHost(BastionSpec bastion) => CloudConfigRenderer.Render(new CloudConfig
    {
        Hostname = LabFacts.BastionName,
        PreserveHostname = false,
        SshPwauth = false,
        DisableRoot = true,
        PackageUpdate = true,
        Packages = BastionPackages,
        WriteFiles = new[]
        {
            new WriteFile(ControlHostEnvironmentFile, string.Join("\n", ControlHostEnvironment(bastion)) + "\n"),
            new WriteFile("/usr/local/sbin/k8slab-install-program", EmbeddedFiles.Script("install-program.sh"), "0755"),
            SshdHardening,
        },
        Runcmd = new[]
        {
            "/usr/local/sbin/k8slab-install-program",
            "systemctl try-reload-or-restart ssh",
        },
    });

    /// <summary>The cheaper NAT option: forward and masquerade, rules kept across reboots.</summary>
    public UserDataDocument RenderNatInstance() => CloudConfigRenderer.Render(new CloudConfig
    {
        SshPwauth = false,
        DisableRoot = true,
        PackageUpdate = true,
        Packages = new[] { "iptables-persistent" },
        WriteFiles = new[] { new WriteFile("/etc/sysctl.d/99-nat.conf", "net.ipv4.ip_forward = 1\n") },
        Runcmd = new[]
        {
            "sysctl --system",
            "iptables -t nat -A POSTROUTING -o \"$(ip -4 route show default | awk '{print $5; exit}')\" -j MASQUERADE",
            "netfilter-persistent save",
        },
    });

    public const string ControlHostEnvironmentFile = "/etc/k8slab/control-host.env";

    /// <summary>What the installer, the program's setup and the program itself read (systemd's EnvironmentFile).</summary>
    private static IEnumerable<string> ControlHostEnvironment(BastionSpec bastion) => new[]
    {
        $"LAB_ENVIRONMENT={bastion.Environment}",
        $"AWS_REGION={bastion.Region}",
        $"ENVIRONMENT_TAG={LabFacts.Tags.Environment}",
        $"ADMIN_USER={AdminUser}",
        $"LIBRARY_DIR={LabFacts.ControlHost.LibraryDir}",
        $"PROGRAM_BUCKET={bastion.Program.Bucket}",
        $"PROGRAM_KEY={bastion.Program.Key}",
        $"PROGRAM_SHA256={bastion.Program.Sha256}",
        $"KUBESPRAY_VERSION={ControlHostVersions.Kubespray}",
        $"KUBESPRAY_DIR={LabFacts.ControlHost.KubesprayDir}",
        $"ANSIBLE_CORE_SERIES={ControlHostVersions.AnsibleCoreSeries}",
        $"ANSIBLE_VENV={LabFacts.ControlHost.AnsibleVenv}",
        $"KUBECTL_VERSION={ControlHostVersions.Kubectl}",
        $"KUBECTL_ARCH={Configuration.Architectures.Debian(bastion.Architecture)}",
        $"KUBECTL_SHA256={ControlHostVersions.KubectlSha256(bastion.Architecture)}",
        $"AWSCLI_VERSION={ControlHostVersions.AwsCli}",
        $"AWSCLI_VENV={LabFacts.ControlHost.AwsCliVenv}",
        $"CONVERGE_PARAMETER={LabFacts.RequestParameter(bastion.Environment)}",
        $"KUBECONFIG_PARAMETER={LabFacts.KubeconfigParameter(bastion.Environment)}",
        $"STATE_DIR={LabFacts.ControlHost.StateDir}",
        $"LOG_DIR={LabFacts.ControlHost.LogDir}",
        // The AWS CLI and botocore retry throttling and transient errors with backoff.
        "AWS_RETRY_MODE=standard",
        "AWS_MAX_ATTEMPTS=10",
    };
}
