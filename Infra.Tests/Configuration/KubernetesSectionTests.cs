using K8sLab.Cluster;
using K8sLab.Configuration;
using static K8sLab.Tests.Support.Environments;

namespace K8sLab.Tests.Configuration;

/// <summary>The environment file's <c>kubernetes:</c> section: every key read, every mistake named.</summary>
public class KubernetesSectionTests
{
    private const string WorkersLine = "count: 2\n  instanceType: t3.medium";

    /// <summary>The example file with a kubernetes section of these lines (each indented under it).</summary>
    private static (string, string) Section(params string[] lines) =>
        (WorkersLine, WorkersLine + "\nkubernetes:\n" + string.Join("", lines.Select(l => $"  {l}\n")));

    private static ClusterSpec Read(params string[] lines) => With("test", Section(lines)).Kubernetes;

    private static string Problem(params string[] lines) => Assert.Single(Problems(Section(lines)).Problems);

    [Fact]
    public void Without_the_section_the_cluster_is_kubesprays_default()
    {
        var spec = With().Kubernetes;
        Assert.Equal(("1.35.4", NetworkPlugin.Calico, "10.233.64.0/18", "10.233.0.0/18", 24, false),
            (spec.Version, spec.NetworkPlugin, spec.PodCidr.ToString(), spec.ServiceCidr.ToString(), spec.NodePrefix, spec.AllowRebuild));
        Assert.Empty(spec.Addons);
    }

    [Fact]
    public void Every_key_reads_into_the_model()
    {
        var spec = Read("version: 1.34.7", "networkPlugin: cilium", "podCidr: 10.100.0.0/16", "serviceCidr: 10.101.0.0/20", "nodePrefix: 25",
            "addons:", "  helm: true", "  metricsServer: true", "  certManager: false", "allowRebuild: true");
        Assert.Equal(("1.34.7", NetworkPlugin.Cilium, "10.100.0.0/16", "10.101.0.0/20", 25, true),
            (spec.Version, spec.NetworkPlugin, spec.PodCidr.ToString(), spec.ServiceCidr.ToString(), spec.NodePrefix, spec.AllowRebuild));
        Assert.Equal(new[] { "metricsServer", "helm" }, spec.Addons.Select(a => a.Key));
        Assert.Equal(NetworkPlugin.Flannel, Read("networkPlugin: flannel").NetworkPlugin);
    }

    [Fact]
    public void A_misspelt_key_is_named_with_a_suggestion_and_the_allowed_keys()
    {
        var problem = Problem("verison: 1.35.4");
        Assert.StartsWith("environments/test.yaml: kubernetes.verison: unknown key (line 19); did you mean 'version'?", problem);
        Assert.EndsWith("Allowed here: version, networkPlugin, podCidr, serviceCidr, nodePrefix, addons, allowRebuild", problem);
    }

    [Theory]
    [InlineData("version: [1.35.4]", "kubernetes.version: must be a Kubernetes version such as 1.35.4 (line 19), got a list")]
    [InlineData("networkPlugin: {name: cilium}", "kubernetes.networkPlugin: must be one of calico, cilium, flannel (line 19), got a mapping")]
    [InlineData("allowRebuild: yes", "kubernetes.allowRebuild: must be true or false (line 19), got 'yes'")]
    [InlineData("nodePrefix: wide", "kubernetes.nodePrefix: must be a whole number from 16 to 25 (line 19), got 'wide'")]
    [InlineData("addons: [helm]", "kubernetes.addons: must be a mapping of keys (line 19), got a list")]
    [InlineData("serviceCidr: 10.101.0.0", "kubernetes.serviceCidr: '10.101.0.0' is not an IPv4 CIDR block such as 10.0.0.0/16")]
    public void A_wrong_type_names_the_key_and_what_is_allowed(string line, string message) =>
        Assert.Equal($"environments/test.yaml: {message}", Problem(line));

    [Fact]
    public void A_version_kubespray_does_not_install_is_refused_with_the_supported_ones()
    {
        var problem = Problem("version: 1.36.0");
        Assert.Equal("environments/test.yaml: kubernetes.version: kubespray v2.31.0 does not install Kubernetes 1.36.0; " +
            "supported: 1.33.0 to 1.33.11, 1.34.0 to 1.34.7, 1.35.0 to 1.35.4 (default 1.35.4)", problem);
        // Below kubespray's minimum (1.33.0) is not in its checksums either.
        Assert.Contains("does not install Kubernetes 1.32.9; supported: 1.33.0 to", Problem("version: 1.32.9"));
    }

    [Theory]
    [InlineData("version: v1.35.4", "write it without the 'v', as kubespray's kube_version does: 1.35.4")]
    [InlineData("version: 1.35", "'1.35' is not a Kubernetes version (MAJOR.MINOR.PATCH such as 1.35.4); kubespray v2.31.0 supported: 1.33.0 to")]
    [InlineData("version: latest", "'latest' is not a Kubernetes version")]
    public void A_version_in_another_form_is_refused(string line, string message) =>
        Assert.Contains($"kubernetes.version: {message}", Problem(line));

    [Fact]
    public void A_version_without_binaries_for_the_images_architecture_names_machineImage_architecture()
    {
        // A release whose newest version has amd64 binaries only (kubespray v2.31.0 has both for every version).
        var release = KubesprayRelease.Parse("release v9 abc\ndefault 1.35.4\nminimum 1.35.3\nversion 1.35.4 amd64\nversion 1.35.3 amd64 arm64\n");
        var arm = Valid.Replace("name: example-image", "name: example-image\n  architecture: arm64").Replace("t3.", "t4g.")
            .Replace(WorkersLine.Replace("t3.", "t4g."), WorkersLine.Replace("t3.", "t4g.") + "\nkubernetes:\n  version: 1.35.4");
        var problem = Assert.Single(Assert.Throws<ConfigException>(() => EnvironmentFiles.Parse("environments/test.yaml", "test", arm, release)).Problems);
        Assert.Equal("environments/test.yaml: kubernetes.version: kubespray v9 has no arm64 binaries of Kubernetes 1.35.4, and machineImage.architecture is arm64; " +
            "supported on arm64: 1.35.3", problem);
        // The same file on x86_64 reads.
        var x86 = Valid.Replace(WorkersLine, WorkersLine + "\nkubernetes:\n  version: 1.35.4");
        Assert.Equal("1.35.4", EnvironmentFiles.Parse("environments/test.yaml", "test", x86, release).Kubernetes.Version);
    }

    [Fact]
    public void An_unknown_plugin_is_refused_with_the_allowed_ones() =>
        Assert.Equal("environments/test.yaml: kubernetes.networkPlugin: must be one of calico, cilium, flannel, got 'weave'", Problem("networkPlugin: weave"));

    [Fact]
    public void The_service_range_stays_clear_of_the_vpc_and_the_pods()
    {
        Assert.Equal("environments/test.yaml: kubernetes.serviceCidr: 10.20.128.0/20 overlaps the VPC 10.20.0.0/16", Problem("serviceCidr: 10.20.128.0/20"));
        Assert.Equal("environments/test.yaml: kubernetes.serviceCidr: 10.233.96.0/20 overlaps the pod range 10.233.64.0/18 (kubespray's default; kubernetes.podCidr)",
            Problem("serviceCidr: 10.233.96.0/20"));
        Assert.Equal("environments/test.yaml: kubernetes.podCidr: 10.100.0.0/16 overlaps the service range 10.100.64.0/18",
            Problem("podCidr: 10.100.0.0/16", "serviceCidr: 10.100.64.0/18"));
        Assert.Equal("environments/test.yaml: kubernetes.serviceCidr: must have a prefix from /12 (the largest kube-apiserver takes) to /24, got /11",
            Problem("serviceCidr: 10.96.0.0/11"));
        // Apart, both read; a VPC that overlaps a default range is told to move on network.vpcCidr, or to move the range.
        Assert.Equal("10.96.0.0/12", Read("serviceCidr: 10.96.0.0/12").ServiceCidr.ToString());
        var moved = With("test", ("vpcCidr: 10.20.0.0/16", "vpcCidr: 10.233.0.0/20"), Section("serviceCidr: 10.96.0.0/16"));
        Assert.Equal("10.233.0.0/20", moved.Network.VpcCidr.ToString());
        Assert.EndsWith("or move the range with kubernetes.serviceCidr",
            Assert.Single(Problems(("vpcCidr: 10.20.0.0/16", "vpcCidr: 10.233.0.0/20")).Problems));
    }

    [Fact]
    public void The_per_node_prefix_fits_the_pod_range_and_kubeadms_limit()
    {
        // The default nodePrefix leaves the pod range to blame; a nodePrefix written out is named itself.
        var small = Problem("podCidr: 10.100.0.0/24");
        Assert.StartsWith("environments/test.yaml: kubernetes.podCidr: 10.100.0.0/24 leaves no room for the /24 each node gets", small);
        Assert.Contains("such as 10.233.64.0/18", small);
        Assert.StartsWith("environments/test.yaml: kubernetes.nodePrefix: must be longer than the pod range's /24 (kubernetes.podCidr",
            Problem("podCidr: 10.100.0.0/24", "nodePrefix: 24"));
        Assert.Equal("environments/test.yaml: kubernetes.nodePrefix: /25 is more than 16 bits longer than the pod range's /8, which kubeadm refuses: " +
            "use a nodePrefix up to /24 or a smaller pod range", Problem("podCidr: 100.0.0.0/8", "nodePrefix: 25"));
    }

    [Fact]
    public void Too_few_per_node_ranges_for_the_nodes_name_both_keys()
    {
        // A /22 of /24s holds 4 nodes; the lab has 3 and a surge of 1: it fits, one more node does not.
        Assert.Equal(4, Read("podCidr: 10.100.0.0/22").NodeCapacity);
        var problem = Assert.Single(Problems(("count: 2\n  instanceType: t3.medium", "count: 3\n  instanceType: t3.medium\nkubernetes:\n  podCidr: 10.100.0.0/22")).Problems);
        Assert.StartsWith("environments/test.yaml: kubernetes.podCidr: 10.100.0.0/22 with kubernetes.nodePrefix /24 holds 4 nodes; the cluster has up to 5", problem);
    }

    [Fact]
    public void An_unknown_addon_is_named_with_a_suggestion_and_the_offered_ones()
    {
        var problem = Problem("addons:", "  metricServer: true");
        Assert.StartsWith("environments/test.yaml: kubernetes.addons.metricServer: unknown key (line 20); did you mean 'metricsServer'?", problem);
        Assert.EndsWith("Allowed here: metricsServer, localPathProvisioner, helm, certManager", problem);
        Assert.Equal("environments/test.yaml: kubernetes.addons.helm: must be true or false (line 20), got 'on'", Problem("addons:", "  helm: on"));
    }

    [Fact]
    public void An_addon_kubespray_no_longer_carries_says_so()
    {
        var problem = Problem("addons:", "  ingressNginx: true");
        Assert.Equal("environments/test.yaml: kubernetes.addons.ingressNginx: kubespray v2.31.0 no longer carries ingress-nginx (its role was removed) (line 20). " +
            "Allowed here: metricsServer, localPathProvisioner, helm, certManager", problem);
    }

    [Fact]
    public void Every_problem_of_the_section_is_reported_at_once()
    {
        var problems = Problems(Section("version: 2.0.0", "networkPlugin: weave", "serviceCidr: 10.20.0.0/20", "addons:", "  dashboard: true")).Problems;
        Assert.Equal(new[] { "kubernetes.version", "kubernetes.networkPlugin", "kubernetes.serviceCidr", "kubernetes.addons.dashboard" },
            problems.Select(p => p.Split(": ")[1]));
    }
}
