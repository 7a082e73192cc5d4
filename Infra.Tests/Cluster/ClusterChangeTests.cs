using System.Text.Json.Nodes;
using K8sLab.Cluster;

namespace K8sLab.Tests.Cluster;

/// <summary>The rules a change of the cluster's settings follows, as the preview states them.</summary>
public class ClusterChangeTests
{
    private static readonly ClusterSettings Default = new("1.35.4", "calico", "10.233.64.0/18", "10.233.0.0/18", 24, Array.Empty<string>(), false, "{}");

    [Theory]
    [InlineData("1.35.4", "1.35.4", false, false)]
    [InlineData("1.34.7", "1.35.4", true, false)]   // one minor up
    [InlineData("1.35.0", "1.35.4", true, false)]   // a patch
    [InlineData("1.35.4", "1.35.3", false, true)]   // a patch down
    [InlineData("1.35.4", "1.34.7", false, true)]   // a minor down
    [InlineData("1.33.11", "1.35.4", false, true)]  // a minor skipped
    [InlineData("1.35.4", "2.0.0", false, true)]    // a new major
    public void Versions_go_up_one_minor_at_a_time(string from, string to, bool upgrade, bool refused)
    {
        var change = ClusterChange.Between(Default with { Version = from }, Default with { Version = to });
        Assert.Equal((upgrade, refused), (change.Upgrade, change.Refusals.Count > 0));
    }

    [Theory]
    [InlineData("networkPlugin")]
    [InlineData("podCidr")]
    [InlineData("serviceCidr")]
    [InlineData("nodePrefix")]
    public void A_plugin_range_or_prefix_change_is_a_rebuild_that_needs_allowRebuild(string key)
    {
        var after = key switch
        {
            "networkPlugin" => Default with { NetworkPlugin = "flannel" },
            "podCidr" => Default with { PodCidr = "10.100.0.0/16" },
            "serviceCidr" => Default with { ServiceCidr = "10.96.0.0/16" },
            _ => Default with { NodePrefix = 25 },
        };
        var refused = ClusterChange.Between(Default, after);
        Assert.True(refused.Rebuild);
        var refusal = Assert.Single(refused.Refusals);
        Assert.Contains("kubernetes.allowRebuild is not true", refusal);
        // A plugin's port rules are the Nodes stack's: they roll back with the refusal, the running plugin's never closed.
        Assert.Equal(key == "networkPlugin", refusal.EndsWith("(flannel's port rules, in the Nodes stack, roll back with the refusal; calico's stay open)", StringComparison.Ordinal));
        var allowed = ClusterChange.Between(Default, after with { AllowRebuild = true });
        Assert.True(allowed.Rebuild);
        Assert.Empty(allowed.Refusals);
    }

    [Fact]
    public void Addons_and_the_switch_alone_re_converge()
    {
        var change = ClusterChange.Between(Default with { Addons = new[] { "helm" } }, Default with { Addons = new[] { "metricsServer" }, AllowRebuild = true });
        Assert.Equal(new[] { "addons +metricsServer -helm", "allowRebuild false → true" }, change.Changes);
        Assert.False(change.Rebuild || change.Upgrade);
        Assert.Equal("kubernetes: addons +metricsServer -helm, allowRebuild false → true: re-converge, no instance replaced", change.Describe(instancesReplaced: false));
        Assert.Equal("kubernetes: addons +metricsServer -helm, allowRebuild false → true: re-converge", change.Describe(instancesReplaced: true));
    }

    [Fact]
    public void A_request_from_before_the_kubernetes_section_means_kubesprays_defaults()
    {
        var old = ClusterSettings.FromRequest(JsonNode.Parse("""{"kubespray":"v2.31.0","kubernetes":"1.35.4","podCidr":"10.233.64.0/18","nodePrefix":24}""")!);
        Assert.Equal(Default with { GroupVars = null }, old with { Addons = Default.Addons });
        Assert.Empty(old.Addons);
        // Against today's default request: no rebuild, no upgrade; the new group variables re-run kubespray.
        var change = ClusterChange.Between(old, Default);
        Assert.Equal(new[] { "kubespray group variables" }, change.Changes);
        Assert.Empty(change.Refusals);
    }
}
