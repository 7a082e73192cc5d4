using Amazon.CDK;
using K8sLab.Bootstrap;
using K8sLab.Configuration;
using K8sLab.Images;
using K8sLab.Preview;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Preview;

/// <summary>The preview of real changes to the lab, synthesized before and after in this process.</summary>
[Collection(CdkCollection.Name)]
[Trait("Uses", "jsii")]
public class LabPreviewTests
{
    private static readonly LabConfig Pinned = Environments.With();

    /// <summary>The unchanged lab, synthesized once for every comparison of this file and the oracle's.</summary>
    internal static readonly Lazy<Synthesized> Baseline = new(() => Synth.Lab(Pinned));

    internal static Synthesized Lab(Action<App, Lab>? change = null) => Synth.App(app =>
    {
        var lab = K8sLab.Lab.Create(app, Pinned, new BootstrapRenderer(), new PinnedImageSource(Pinned.MachineImage, Pinned.Environment));
        change?.Invoke(app, lab);
    });

    private static string Short(string fingerprint) => fingerprint[..6];

    [Fact]
    public void Nothing_changed_prints_nothing_changes()
    {
        var outcome = PreviewHarness.Compare(Baseline.Value, Synth.Lab(Pinned));
        Assert.True(outcome.Result.NothingChanges, outcome.Report);
        Assert.Equal("nothing changes", outcome.Report);
    }

    [Fact]
    public void A_change_to_the_workers_user_data_replaces_exactly_the_workers_with_both_fingerprints()
    {
        var after = Synth.Lab(Pinned, PreviewHarness.WorkersChanged());
        var outcome = PreviewHarness.Compare(Baseline.Value, after);
        var (old, now) = (PreviewHarness.FingerprintOf(Baseline.Value, "worker-1"), PreviewHarness.FingerprintOf(after, "worker-1"));

        var instances = outcome.Instances.ToList();
        Assert.Equal(new[] { "worker-1", "worker-2" }, instances.Select(i => i.Instance!.Node));
        Assert.All(instances, i => Assert.Equal((Change.Replaced, old, now), (i.Kind, i.Instance!.FingerprintBefore, i.Instance.FingerprintAfter)));
        Assert.Contains($"\n  replaced: worker-1..2 (user data {Short(old)} → {Short(now)})\n", outcome.Report);
        Assert.DoesNotContain("cp-1", outcome.Report);
        Assert.EndsWith("unchanged: K8sLab-test-Network, K8sLab-test-Security, K8sLab-test-Bastion", outcome.Report);
    }

    [Fact]
    public void A_new_image_pin_replaces_every_instance_naming_ImageId()
    {
        var after = Synth.Lab(Environments.With("test", ("amiId: ami-0123456789abcdef0", "amiId: ami-0fedcba9876543210")));
        var outcome = PreviewHarness.Compare(Baseline.Value, after);

        var instances = outcome.Instances.ToList();
        Assert.Equal(new[] { "bastion", "cp-1", "worker-1", "worker-2" }, instances.Select(i => i.Instance!.Node).Order());
        Assert.All(instances, i => Assert.Equal(Change.Replaced, i.Kind));
        Assert.All(instances, i => Assert.Equal(new[] { "ImageId" }, i.Reasons.Select(r => r.What)));
        Assert.Contains($"  replaced: worker-1..2 (ImageId; user data {Short(PreviewHarness.FingerprintOf(after, "worker-1"))})\n", outcome.Report);
        Assert.Contains($"  replaced: bastion (ImageId; user data {Short(PreviewHarness.FingerprintOf(after, "bastion"))})\n", outcome.Report);
    }

    [Fact]
    public void A_new_instance_type_for_the_workers_replaces_exactly_the_workers_not_an_update()
    {
        var after = Synth.Lab(Environments.With("test", ("count: 2\n  instanceType: t3.medium", "count: 2\n  instanceType: t3.large")));
        var outcome = PreviewHarness.Compare(Baseline.Value, after);

        var instances = outcome.Instances.ToList();
        Assert.Equal(new[] { "worker-1", "worker-2" }, instances.Select(i => i.Instance!.Node));
        Assert.All(instances, i => Assert.Equal(Change.Replaced, i.Kind));
        Assert.Contains($"\n  replaced: worker-1..2 (InstanceType t3.medium → t3.large; user data {Short(PreviewHarness.FingerprintOf(after, "worker-1"))})\n", outcome.Report);
        Assert.DoesNotContain("updated: worker", outcome.Report);
        Assert.Contains("\n    rolled: worker-1..2 (surge 1: successors join before each predecessor drains)", outcome.Report);
    }

    [Fact]
    public void One_more_worker_is_added_and_nothing_is_replaced()
    {
        var after = Synth.Lab(Environments.With("test", ("count: 2", "count: 3")));
        var outcome = PreviewHarness.Compare(Baseline.Value, after);

        var added = Assert.Single(outcome.Instances);
        Assert.Equal((Change.Added, "worker-3"), (added.Kind, added.Instance!.Node));
        Assert.Contains($"\n  added: worker-3 (user data {Short(PreviewHarness.FingerprintOf(after, "worker-3"))})\n", outcome.Report);
    }

    [Fact]
    public void A_launch_template_changed_in_place_replaces_its_instances_through_its_new_version()
    {
        // The instances' text is unchanged: only LaunchTemplate.Version, a GetAtt of LatestVersionNumber, moves at deploy time.
        var after = Lab((_, lab) => lab.Nodes.Node.FindAll().OfType<CfnResource>()
            .Single(r => r.CfnResourceType == "AWS::EC2::LaunchTemplate" && r.Node.Path.Contains("Worker"))
            .AddPropertyOverride("LaunchTemplateData.DisableApiStop", true));
        var outcome = PreviewHarness.Compare(Baseline.Value, after);

        var instances = outcome.Instances.ToList();
        Assert.Equal(new[] { "worker-1", "worker-2" }, instances.Select(i => i.Instance!.Node));
        Assert.All(instances, i =>
        {
            Assert.Equal(Change.Replaced, i.Kind);
            var reason = Assert.Single(i.Reasons);
            Assert.Equal("LaunchTemplate", reason.What);
            Assert.EndsWith("is updated: new LatestVersionNumber", reason.Because);
        });
        var template = Assert.Single(outcome.Result.All, c => c.Change.Type == "AWS::EC2::LaunchTemplate").Change;
        Assert.Equal(Change.Updated, template.Kind);
    }

    [Fact]
    public void A_replaced_key_pair_replaces_every_instance_through_its_export_and_warns_that_the_export_is_in_use()
    {
        var after = Lab((_, lab) => lab.Security.Node.FindAll().OfType<CfnResource>()
            .Single(r => r.CfnResourceType == "AWS::EC2::KeyPair").AddPropertyOverride("KeyType", "rsa"));
        var outcome = PreviewHarness.Compare(Baseline.Value, after);

        var key = Assert.Single(outcome.Result.All, c => c.Change.Type == "AWS::EC2::KeyPair").Change;
        Assert.Equal((Change.Replaced, "KeyType"), (key.Kind, Assert.Single(key.Reasons).What));
        var instances = outcome.Instances.ToList();
        Assert.Equal(4, instances.Count);
        Assert.All(instances, i => Assert.Contains(i.Reasons, r => r.What == "KeyName" && r.Because!.StartsWith("export K8sLab-test-Security:")));
        Assert.Contains(outcome.Result["K8sLab-test-Security"].Warnings,
            w => w.Contains("Bastion") && w.Contains("Nodes") && w.EndsWith("CloudFormation refuses to update K8sLab-test-Security"));
    }

    [Fact]
    public void A_bigger_root_volume_for_the_workers_replaces_them_as_documented_though_the_schema_does_not_say_so()
    {
        var after = Lab((_, lab) =>
        {
            foreach (var worker in lab.Nodes.Nodes.Where(n => n.Props.Role == "worker").Select(n => n.Resource))
                worker.AddPropertyOverride("BlockDeviceMappings.0.Ebs.VolumeSize", 40);
        });
        var outcome = PreviewHarness.Compare(Baseline.Value, after);

        var replaced = outcome.Instances.Where(i => i.Kind == Change.Replaced).ToList();
        Assert.Equal(new[] { "worker-1", "worker-2" }, replaced.Select(i => i.Instance!.Node));
        Assert.Contains($"\n  replaced: worker-1..2 (BlockDeviceMappings; user data {Short(PreviewHarness.FingerprintOf(after, "worker-1"))})\n", outcome.Report);
    }

    [Fact]
    public void New_cdk_nag_metadata_on_the_workers_is_metadata_only_not_an_update()
    {
        var after = Lab((_, lab) =>
        {
            foreach (var worker in lab.Nodes.Nodes.Where(n => n.Props.Role == "worker").Select(n => n.Resource))
                worker.AddMetadata("k8slab:note", "reviewed");
        });
        var outcome = PreviewHarness.Compare(Baseline.Value, after);

        Assert.Equal("""
            K8sLab-test-Nodes
              metadata only: worker-1..2
            unchanged: K8sLab-test-Network, K8sLab-test-Security, K8sLab-test-Bastion
            """, outcome.Report);
    }
}
