using System.Net;
using System.Text.Json;
using K8sLab.Cluster;
using K8sLab.Security;

namespace K8sLab.Tests.Cluster;

/// <summary>
/// The group variables the convergence writes for kubespray, checked against kubespray v2.31.0's own
/// default variables (converge/contract/kubespray.txt): a misspelt name would be a variable kubespray never reads.
/// </summary>
public class GroupVarsTests
{
    private static readonly KubesprayRelease Release = KubesprayRelease.Embedded;

    public static TheoryData<NetworkPlugin> Plugins => new(NetworkPlugins.All);

    private static ClusterSpec Spec(NetworkPlugin plugin, params Addon[] addons) =>
        new() { NetworkPlugin = plugin, Addons = addons };

    [Theory]
    [MemberData(nameof(Plugins))]
    public void Every_variable_of_each_plugin_with_every_addon_is_one_of_kubesprays_defaults(NetworkPlugin plugin)
    {
        var vars = GroupVars.Render(Spec(plugin, Addons.All.ToArray()));
        Assert.Empty(Release.Unknown(vars.Keys));
        // The plugin's own variables are its role's defaults (calico's live in calico_defaults).
        var role = plugin == NetworkPlugin.Calico ? "calico_defaults" : plugin.Name();
        Assert.All(GroupVars.PluginVariables[plugin], v => Assert.Contains(Release.Variables[v.Key], d => d.File.Contains($"/{role}/")));
    }

    [Fact]
    public void A_misspelt_variable_is_caught()
    {
        var vars = GroupVars.Render(Spec(NetworkPlugin.Calico));
        vars.Add("metric_server_enabled", true);
        vars.Add("calico_vxlan_ports", 4789);
        Assert.Equal(new[] { "metric_server_enabled", "calico_vxlan_ports" }, Release.Unknown(vars.Keys));
        // ingress-nginx's switch is gone from v2.31.0, which is why the lab does not offer it.
        Assert.Equal(new[] { "ingress_nginx_enabled" }, Release.Unknown(new[] { "ingress_nginx_enabled" }));
    }

    [Theory]
    [MemberData(nameof(Plugins))]
    public void Each_plugin_writes_its_own_variables_and_none_of_the_others(NetworkPlugin plugin)
    {
        var vars = GroupVars.Render(Spec(plugin));
        Assert.Equal(plugin.Name(), vars["kube_network_plugin"]);
        foreach (var other in NetworkPlugins.All.Where(p => p != plugin))
            Assert.DoesNotContain(vars.Keys, k => k.StartsWith(other.Name() + "_", StringComparison.Ordinal) || GroupVars.PluginVariables[other].Any(v => v.Key == k));
        Assert.All(GroupVars.PluginVariables[plugin], v => Assert.Equal(v.Value, vars[v.Key]));
    }

    [Theory]
    [MemberData(nameof(Plugins))]
    public void The_pinned_values_are_kubesprays_defaults_so_pinning_changes_nothing_of_a_cluster(NetworkPlugin plugin)
    {
        var vars = GroupVars.Render(Spec(plugin));
        foreach (var (name, value) in vars.Where(v => v.Key is not ("kube_version" or "kube_network_plugin")))
        {
            var @default = Release.Variables[name].Select(d => d.Default).OfType<JsonElement>().First();
            Assert.True(@default.ToString() == JsonSerializer.SerializeToElement(value).ToString(), $"{name}: {value} is not kubespray's default {@default}");
        }
        Assert.Equal(Release.Default, vars["kube_version"]);
    }

    [Theory]
    [MemberData(nameof(Plugins))]
    public void The_vxlan_port_the_cluster_uses_is_the_one_the_security_groups_open(NetworkPlugin plugin)
    {
        var vars = GroupVars.Render(Spec(plugin));
        var rule = Assert.Single(PortRules.For(plugin), r => r.Transport == Transport.Udp && r.From == SecurityGroupRole.Worker && r.To == SecurityGroupRole.Worker);
        Assert.Equal(plugin.VxlanPort(), rule.FromPort);
        // Where kubespray has a variable for the port, it is pinned to it; cilium's is its own default (8472).
        var portVariable = vars.Keys.SingleOrDefault(k => k.EndsWith("_vxlan_port", StringComparison.Ordinal));
        if (plugin == NetworkPlugin.Cilium) Assert.Null(portVariable);
        else Assert.Equal(rule.FromPort, vars[portVariable!]);
        Assert.Contains(vars, v => v.Value is "vxlan");
    }

    [Fact]
    public void Every_addons_switch_is_written_on_or_off_as_a_boolean()
    {
        var metrics = Addons.Find("metricsServer")!;
        var vars = GroupVars.Render(Spec(NetworkPlugin.Calico, metrics));
        Assert.All(Addons.All, a => Assert.Equal(a == metrics, vars[a.Variable]));
        Assert.IsType<bool>(vars["helm_enabled"]); // kubespray asserts helm_enabled is a boolean, not "false"
    }

    [Fact]
    public void The_ranges_and_version_are_written_as_given()
    {
        var vars = GroupVars.Render(new ClusterSpec
        {
            Version = "1.34.7", PodCidr = IPNetwork.Parse("10.100.0.0/16"), ServiceCidr = IPNetwork.Parse("10.101.0.0/20"), NodePrefix = 25,
        });
        Assert.Equal(("1.34.7", "10.100.0.0/16", "10.101.0.0/20", 25),
            (vars["kube_version"], vars["kube_pods_subnet"], vars["kube_service_addresses"], vars["kube_network_node_prefix"]));
        Assert.Equal(new[] { "kube_version", "kube_network_plugin", "kube_pods_subnet", "kube_service_addresses", "kube_network_node_prefix" }, vars.Keys.Take(5));
    }
}
