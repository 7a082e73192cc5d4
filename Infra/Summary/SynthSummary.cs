using System.Globalization;
using System.Text;
using K8sLab.Instances;

namespace K8sLab.Summary;

/// <summary>What a synth produced, in a few lines: stacks, image, and every instance's bootstrap.</summary>
public static class SynthSummary
{
    /// <param name="c">The environment as read from its file.</param>
    /// <param name="stacks">The synthesized stacks' names, in deploy order.</param>
    /// <param name="image">A one-line account of the machine image (<c>IMachineImageSource.Describe</c>).</param>
    /// <param name="instances">Every bootstrapped instance: the bastion, then the nodes.</param>
    public static string Format(Configuration.LabConfig c, IReadOnlyList<string> stacks, string image, IEnumerable<BootstrappedInstance> instances, TimeSpan elapsed, string outputFolder)
    {
        var text = new StringBuilder();
        var nodes = c.ControlPlane.Count + c.Workers.Count;
        text.AppendLine(Inv($"K8sLab {c.Environment} ({c.Region}): {stacks.Count} stacks, {nodes} nodes, synthesized to {outputFolder} in {elapsed.TotalSeconds:0.0} s"));
        text.AppendLine($"  stacks  {string.Join(", ", stacks)}");
        text.AppendLine($"  network {c.Network.VpcCidr} over {c.Network.ZoneCount} zones, {c.Network.NatCount} NAT {c.Network.Nat.ToString().ToLowerInvariant()}(s)");
        text.AppendLine($"  admin   SSH to the bastion from {c.Admin.Cidr}");
        foreach (var (line, i) in Cluster(c.Kubernetes).Select((l, i) => (l, i))) text.AppendLine($"  {(i == 0 ? "cluster" : ""),-7} {line}");
        foreach (var warning in Warnings(c)) text.AppendLine($"  WARNING {warning}");
        text.AppendLine($"  image   {image}");
        text.AppendLine($"  {"instances",-16} {"role",-14} {"type",-10} {"user data",10}  fingerprint");

        // Instances that boot the same document on the same type share a line.
        foreach (var same in instances.GroupBy(i => (i.Props.Role, i.Props.InstanceType.Name, i.UserData.Fingerprint)))
            text.AppendLine(Line(Nodes.NodeNames.Compact(same.Select(i => i.Props.Name)), same.First()));
        foreach (var line in Cost(c, Costs.PriceTable.Embedded())) text.AppendLine(line);
        return text.ToString().TrimEnd();
    }

    /// <summary>The estimate at the price table's list prices, with the table's sources and dates.</summary>
    public static IEnumerable<string> Cost(Configuration.LabConfig c, Costs.PriceTable prices)
    {
        var estimate = new Costs.CostEstimate(c, prices);
        var sources = string.Join(", ", estimate.Sources.Select(s => $"{s.Id} {s.Date}"));
        yield return $"  cost    {c.Region} on-demand list prices from {Costs.PriceTable.File} ({(sources.Length == 0 ? "none for this region" : sources)}), {Costs.PriceTable.HoursPerMonth} h a month; data transfer not included";
        foreach (var line in estimate.Describe()) yield return $"  {line}";
    }

    /// <summary>
    /// The kubernetes section as kubespray gets it, in two lines: "Kubernetes 1.35.4 (kubespray v2.31.0),
    /// cilium (VXLAN UDP 8472), add-ons: metricsServer, helm" and "pods 10.233.64.0/18 (/24 a node), services 10.233.0.0/18".
    /// </summary>
    public static IReadOnlyList<string> Cluster(K8sLab.Cluster.ClusterSpec k)
    {
        var addons = k.Addons.Count == 0 ? "none" : string.Join(", ", k.Addons.Select(a => a.Key));
        return new[]
        {
            $"Kubernetes {k.Version} (kubespray {Bootstrap.ControlHostVersions.Kubespray}), {K8sLab.Cluster.NetworkPlugins.Name(k.NetworkPlugin)} " +
            $"(VXLAN UDP {K8sLab.Cluster.NetworkPlugins.VxlanPort(k.NetworkPlugin)}), add-ons: {addons}",
            $"pods {k.PodCidr} (/{k.NodePrefix} a node), services {k.ServiceCidr}" +
            (k.AllowRebuild ? "; allowRebuild: a change of the plugin or ranges rebuilds the running cluster" : ""),
        };
    }

    /// <summary>Choices the environment file made on purpose that weaken the lab.</summary>
    public static IEnumerable<string> Warnings(Configuration.LabConfig c)
    {
        if (c.Admin.DocumentationRangeProblem(c.SourceFile) is { } documentation)
            yield return documentation + "; a deploy is refused until then";
        if (c.Admin.AllowAnyAddress && c.Admin.Cidr.PrefixLength == 0)
            yield return $"the bastion's SSH is open to {c.Admin.Cidr} (admin.allowAnyAddress in {c.SourceFile}): expect probes within minutes";
        // Kubernetes' version-skew policy: kubectl is supported within one minor version of kube-apiserver.
        var (kubectl, cluster) = (K8sLab.Cluster.KubernetesVersion.Parse(Bootstrap.ControlHostVersions.Kubernetes), K8sLab.Cluster.KubernetesVersion.Parse(c.Kubernetes.Version));
        if (kubectl.Major != cluster.Major || Math.Abs(kubectl.Minor - cluster.Minor) > 1)
            yield return $"the bastion's kubectl {Bootstrap.ControlHostVersions.Kubectl} is more than one minor version from the cluster's {cluster} " +
                         $"(kubernetes.version in {c.SourceFile}), outside kubectl's supported skew: use {kubectl.Major}.{kubectl.Minor - 1}.x or later";
    }

    private static string Line(string names, BootstrappedInstance i) =>
        Inv($"  {names,-16} {i.Props.Role,-14} {i.Props.InstanceType.Name,-10} {i.UserData.Bytes,8:N0} B  {i.UserData.ShortFingerprint}");

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
