using K8sLab.Preview;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Preview;

/// <summary>The preview of a change of the kubernetes section: a re-convergence that replaces no instance, or what the convergence refuses.</summary>
[Collection(CdkCollection.Name)]
[Trait("Uses", "jsii")]
public class ClusterPreviewTests
{
    private static readonly Dictionary<string, Synthesized> Labs = new();

    /// <summary>A lab with a kubernetes section of these lines, synthesized once per test run.</summary>
    private static Synthesized Cluster(params string[] lines)
    {
        var key = string.Join("\n", lines);
        if (!Labs.TryGetValue(key, out var lab))
            Labs[key] = lab = Synth.Lab(Environments.With("test",
                ("count: 2\n  instanceType: t3.medium", "count: 2\n  instanceType: t3.medium\nkubernetes:\n" + string.Join("", lines.Select(l => $"  {l}\n")))));
        return lab;
    }

    /// <summary>The default lab (no kubernetes section): the preview tests' shared baseline.</summary>
    private static Synthesized Default => LabPreviewTests.Baseline.Value;

    private static PreviewHarness.Outcome Preview(Synthesized before, Synthesized after) => PreviewHarness.Compare(before, after);

    /// <summary>Only the wait and its handle are new (a wait condition is created anew for each convergence), no instance.</summary>
    private static void OnlyTheWaitIsNew(PreviewHarness.Outcome outcome)
    {
        Assert.DoesNotContain(outcome.Instances, i => i.Kind != K8sLab.Preview.Change.Updated);
        Assert.Equal(new[] { "AWS::CloudFormation::WaitCondition", "AWS::CloudFormation::WaitConditionHandle" },
            outcome.Result.All.Where(c => c.Change.Kind == K8sLab.Preview.Change.Replaced).Select(c => c.Change.Type).Order());
    }

    [Fact]
    public void A_version_upgrade_re_converges_and_replaces_no_instance()
    {
        var outcome = Preview(Cluster("version: 1.34.7"), Default);
        OnlyTheWaitIsNew(outcome);
        Assert.Contains("\n  kubernetes: version 1.34.7 → 1.35.4: upgrade (kubespray's upgrade-cluster.yml: control plane first, then the workers, " +
                        "drained and upgraded a batch at a time), re-converge, no instance replaced\n", outcome.Report);
        Assert.DoesNotContain("warning", outcome.Report);
        Assert.EndsWith("unchanged: K8sLab-test-Network, K8sLab-test-Security, K8sLab-test-Bastion", outcome.Report);
    }

    [Fact]
    public void An_addon_switched_on_re_converges_and_replaces_no_instance()
    {
        var outcome = Preview(Default, Cluster("addons:", "  metricsServer: true", "  helm: true"));
        OnlyTheWaitIsNew(outcome);
        Assert.Contains("\n  kubernetes: addons +helm +metricsServer: re-converge, no instance replaced\n", outcome.Report);
    }

    [Fact]
    public void A_plugin_change_rebuilds_with_allowRebuild_and_is_refused_without_it()
    {
        var refused = Preview(Default, Cluster("networkPlugin: cilium"));
        Assert.DoesNotContain(refused.Instances, i => i.Kind != K8sLab.Preview.Change.Updated);
        Assert.Contains("\n  kubernetes: networkPlugin calico → cilium: refused by the convergence (see the warnings)\n", refused.Report);
        Assert.Contains("\n  warning: kubernetes: networkPlugin calico → cilium rebuilds the running cluster (reset, then cluster.yml: workloads are lost), " +
                        "and kubernetes.allowRebuild is not true: the convergence refuses it and leaves the cluster as it was " +
                        "(cilium's port rules, in the Nodes stack, roll back with the refusal; calico's stay open)\n", refused.Report);
        Assert.Single(refused.Report.Split('\n'), l => l.Contains("warning:"));
        // Nothing of the plugin is in the Security stack, which deploys before the convergence and would not
        // roll back with it: the change is the Nodes stack's, where calico's 4 VXLAN rules go (paired with
        // cilium's VXLAN rules, as replaced) and cilium's 12 come.
        Assert.Contains("unchanged: K8sLab-test-Network, K8sLab-test-Security, K8sLab-test-Bastion", refused.Report);
        var rules = refused.Result["K8sLab-test-Nodes"].Resources.Where(r => r.Type == "AWS::EC2::SecurityGroupIngress").ToList();
        Assert.Equal(4, rules.Count(r => r.Kind is K8sLab.Preview.Change.Removed || r.PreviousLogicalId?.EndsWith("Udp4789", StringComparison.Ordinal) == true));
        Assert.Equal(12, rules.Count(r => r.Kind is K8sLab.Preview.Change.Added or K8sLab.Preview.Change.Replaced));

        var allowed = Preview(Default, Cluster("networkPlugin: cilium", "allowRebuild: true"));
        Assert.Contains("\n  kubernetes: networkPlugin calico → cilium, allowRebuild false → true: rebuild: the cluster is reset (kubernetes.allowRebuild), no instance replaced\n",
            allowed.Report);
        Assert.DoesNotContain("warning", allowed.Report);
    }

    [Fact]
    public void A_downgrade_and_a_skipped_minor_are_flagged_as_refused()
    {
        var down = Preview(Default, Cluster("version: 1.34.7"));
        Assert.Contains("\n  warning: kubernetes: kubernetes.version 1.34.7 is older than the running 1.35.4: a downgrade, which the convergence refuses", down.Report);
        var skip = Preview(Cluster("version: 1.33.11"), Default);
        Assert.Contains("\n  warning: kubernetes: kubernetes.version 1.33.11 → 1.35.4 skips a minor version, which the convergence refuses: " +
                        "upgrade one minor at a time: 1.34.x, then 1.35.4", skip.Report);
        OnlyTheWaitIsNew(skip);
    }

    /// <summary>The lines under "then the convergence, in this order:", without their indent.</summary>
    private static IReadOnlyList<string> Convergence(PreviewHarness.Outcome outcome) =>
        outcome.Report.Split('\n').SkipWhile(l => l != PreviewReport.ConvergenceHeading).Skip(1).TakeWhile(l => l.StartsWith("    ", StringComparison.Ordinal))
            .Select(l => l.Trim()).ToList();

    [Fact]
    public void Three_control_plane_nodes_instead_of_one_add_etcd_members_one_at_a_time_after_a_snapshot()
    {
        var after = Synth.Lab(Environments.With("test", ("count: 1\n  instanceType: t3.medium", "count: 3\n  instanceType: t3.medium")));
        var outcome = Preview(Default, after);
        Assert.Equal(new[] { "cp-2", "cp-3" }, outcome.Instances.Where(i => i.Kind == Change.Added).Select(i => i.Instance!.Node));
        Assert.DoesNotContain(outcome.Instances, i => i.Kind is Change.Replaced or Change.Removed);
        Assert.Equal(new[] { "rolled: cp-2..3 (etcd members added one at a time, snapshot first)" }, Convergence(outcome));
        Assert.False(outcome.Result.Refused);
    }

    [Fact]
    public void A_re_pinned_image_rolls_every_node_the_control_plane_first_then_the_workers()
    {
        var after = Synth.Lab(Environments.With("test", ("amiId: ami-0123456789abcdef0", "amiId: ami-0fedcba9876543210"),
            ("count: 1\n  instanceType: t3.medium", "count: 3\n  instanceType: t3.medium")));
        var before = Synth.Lab(Environments.With("test", ("count: 1\n  instanceType: t3.medium", "count: 3\n  instanceType: t3.medium")));
        var outcome = Preview(before, after);
        Assert.Equal(new[]
        {
            "rolled: cp-1..3 (etcd members replaced one at a time, snapshot first)",
            "rolled: worker-1..2 (surge 1: successors join before each predecessor drains)",
        }, Convergence(outcome));
    }

    [Fact]
    public void A_new_instance_type_for_the_control_plane_rolls_it_and_leaves_the_workers()
    {
        var after = Synth.Lab(Environments.With("test", ("count: 1\n  instanceType: t3.medium", "count: 1\n  instanceType: t3.large")));
        var outcome = Preview(Default, after);
        Assert.Contains("\n  replaced: cp-1 (InstanceType t3.medium → t3.large; user data ", outcome.Report);
        Assert.DoesNotContain("worker", outcome.Report);
        Assert.Equal(new[] { "rolled: cp-1 (etcd members replaced one at a time, snapshot first)" }, Convergence(outcome));
    }

    [Fact]
    public void A_refused_network_change_says_refused_and_the_preview_exits_with_3()
    {
        var after = Cluster("networkPlugin: cilium");
        var outcome = Preview(Default, after);
        Assert.True(outcome.Result.Refused);
        var refused = Assert.Single(Convergence(outcome));
        Assert.StartsWith("refused: networkPlugin calico → cilium rebuilds the running cluster", refused);

        // The command, on the two apps as cdk.out folders: the report, and the status a script can test.
        var folders = new[] { PreviewHarness.Folder(Default), PreviewHarness.Folder(after) };
        try
        {
            Assert.Equal(PreviewCommand.Refused, PreviewCommand.Main(folders));
            Assert.Equal(3, PreviewCommand.Refused);
            Assert.Equal(0, PreviewCommand.Main(new[] { folders[0], folders[0] }));
        }
        finally
        {
            foreach (var folder in folders) Directory.Delete(folder, recursive: true);
        }
    }
}
