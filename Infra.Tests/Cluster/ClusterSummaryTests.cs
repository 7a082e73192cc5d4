using K8sLab.Configuration;
using K8sLab.Summary;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Cluster;

/// <summary>The synth summary's lines on the cluster's shape, and its warning on kubectl's version skew.</summary>
public class ClusterSummaryTests
{
    [Fact]
    public void The_summary_shows_the_version_the_plugin_with_its_port_the_ranges_and_the_addons()
    {
        var cilium = EnvironmentFiles.Load(Repo.EnvironmentsFolder, "cilium");
        Assert.Equal(new[]
        {
            "Kubernetes 1.35.4 (kubespray v2.31.0), cilium (VXLAN UDP 8472), add-ons: metricsServer, localPathProvisioner, helm",
            "pods 10.233.64.0/18 (/24 a node), services 10.233.0.0/18",
        }, SynthSummary.Cluster(cilium.Kubernetes));
        var flannel = Environments.With("test", ("count: 2\n  instanceType: t3.medium",
            "count: 2\n  instanceType: t3.medium\nkubernetes:\n  version: 1.34.7\n  networkPlugin: flannel\n  serviceCidr: 10.96.0.0/16\n  allowRebuild: true"));
        Assert.Equal(new[]
        {
            "Kubernetes 1.34.7 (kubespray v2.31.0), flannel (VXLAN UDP 8472), add-ons: none",
            "pods 10.233.64.0/18 (/24 a node), services 10.96.0.0/16; allowRebuild: a change of the plugin or ranges rebuilds the running cluster",
        }, SynthSummary.Cluster(flannel.Kubernetes));
    }

    [Fact]
    public void A_cluster_two_minors_from_the_bastions_kubectl_is_warned_about()
    {
        Assert.Empty(SynthSummary.Warnings(Version("1.34.0")));
        var warning = Assert.Single(SynthSummary.Warnings(Version("1.33.11")));
        Assert.Equal("the bastion's kubectl v1.35.4 is more than one minor version from the cluster's 1.33.11 (kubernetes.version in environments/test.yaml), " +
                      "outside kubectl's supported skew: use 1.34.x or later", warning);
    }

    private static LabConfig Version(string version) =>
        Environments.With("test", ("count: 2\n  instanceType: t3.medium", $"count: 2\n  instanceType: t3.medium\nkubernetes:\n  version: {version}"));

}
