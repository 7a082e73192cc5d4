using System.Text.Json.Nodes;
using K8sLab.Bootstrap;
using K8sLab.Configuration;
using K8sLab.Costs;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Stacks;

/// <summary>
/// The launch-template shape of spot and arm64, and that neither touches a lab that does not use it:
/// an instance's launch template (version included) is create-only, so any change there replaces it.
/// </summary>
[Collection(CdkCollection.Name)]
[Trait("Uses", "jsii")]
public class SpotAndArmTemplateTests
{
    private static IEnumerable<(string LogicalId, JsonObject Data)> LaunchTemplates(Synthesized lab, string stack) =>
        lab.Resources("AWS::EC2::LaunchTemplate").Where(r => r.Stack == stack)
            .Select(r => (r.LogicalId, r.Resource["Properties"]!["LaunchTemplateData"]!.AsObject()));

    [Fact]
    public void Spot_groups_launch_from_a_template_of_their_own_with_a_persistent_request_that_stops()
    {
        var spot = Synth.RepositoryEnvironment("spot");
        var nodes = LaunchTemplates(spot, "K8sLab-spot-Nodes").ToList();
        Assert.Equal(2, nodes.Count);
        Assert.All(nodes, t =>
        {
            Assert.Contains("Spot", t.LogicalId);
            Assert.Equal("""{"MarketType":"spot","SpotOptions":{"SpotInstanceType":"persistent","InstanceInterruptionBehavior":"stop","ValidUntil":"2099-12-31T23:59:59Z"}}""",
                t.Data["InstanceMarketOptions"]!.ToJsonString());
            Assert.Contains(t.Data["TagSpecifications"]!.AsArray(), s => s!["ResourceType"]!.GetValue<string>() == "spot-instances-request");
        });
        Assert.All(LaunchTemplates(spot, "K8sLab-spot-Bastion"), t => Assert.False(t.Data.ContainsKey("InstanceMarketOptions")));
    }

    [Fact]
    public void Spot_on_the_workers_changes_the_workers_templates_and_the_convergence_request_only()
    {
        var onDemand = Synth.Lab(Environments.With());
        var spot = Synth.Lab(Environments.With("test", ("count: 2\n  instanceType: t3.medium", "count: 2\n  instanceType: t3.medium\n  spot: true")));

        foreach (var stack in new[] { "K8sLab-test-Network", "K8sLab-test-Security", "K8sLab-test-Bastion" })
            Assert.Equal(onDemand.Texts[stack], spot.Texts[stack]);
        Resources(onDemand, out var before);
        Resources(spot, out var after);
        var changed = before.Keys.Union(after.Keys).Where(id => !before.TryGetValue(id, out var b) || !after.TryGetValue(id, out var a) || a != b).Order().ToList();
        // The workers' template is a new resource; the workers point at it (same logical IDs, replaced
        // since LaunchTemplate is create-only); the request and its wait are new. The control plane: untouched.
        Assert.All(changed, id => Assert.Matches("^(WorkerBootstrap|worker[12]|ConvergeRequest|ConvergeSignal|Converged)", id));
        Assert.Contains(changed, id => id.StartsWith("WorkerBootstrap") && id.Contains("Spot"));
        Assert.Contains(changed, id => id.StartsWith("Converged"));
        Assert.DoesNotContain(changed, id => id.StartsWith("cp1") || id.StartsWith("ControlPlaneBootstrap"));
    }

    private static void Resources(Synthesized lab, out Dictionary<string, string> byId) =>
        byId = lab.Template("K8sLab-test-Nodes")["Resources"]!.AsObject().ToDictionary(r => r.Key, r => r.Value!.ToJsonString());

    [Fact]
    public void The_new_keys_at_their_defaults_change_nothing()
    {
        var plain = Synth.Lab(Environments.With());
        var explicitDefaults = Synth.Lab(Environments.With("test",
            ("  name: example-image", "  name: example-image\n  architecture: x86_64"),
            ("count: 1\n  instanceType: t3.medium", "count: 1\n  instanceType: t3.medium\n  spot: false"),
            ("count: 2\n  instanceType: t3.medium", "count: 2\n  instanceType: t3.medium\n  spot: false")));
        Assert.Equal(plain.Texts, explicitDefaults.Texts);
    }

    [Fact]
    public void An_arm64_lab_changes_types_and_the_bastions_kubectl_not_the_launch_templates_shape()
    {
        var x86 = Synth.Lab(Environments.With());
        var arm = Synth.Lab(Environments.With("test",
            ("  name: example-image", "  name: example-image\n  architecture: arm64"),
            ("bastion:\n  instanceType: t3.small", "bastion:\n  instanceType: t4g.small"),
            ("count: 1\n  instanceType: t3.medium", "count: 1\n  instanceType: t4g.medium"),
            ("count: 2\n  instanceType: t3.medium", "count: 2\n  instanceType: m7g.large")));

        // The nodes' templates: byte for byte the same (the image, not the template, has an architecture).
        Assert.Equal(LaunchTemplates(x86, "K8sLab-test-Nodes").Select(t => t.Data.ToJsonString()), LaunchTemplates(arm, "K8sLab-test-Nodes").Select(t => t.Data.ToJsonString()));
        Assert.All(arm.Resources("AWS::EC2::Instance").Where(r => r.Stack == "K8sLab-test-Nodes"),
            r => Assert.Contains(r.Resource["Properties"]!["InstanceType"]!.GetValue<string>(), new[] { "t4g.medium", "m7g.large" }));

        var bastion = new BootstrapRenderer().RenderBastion(K8sLab.Tests.Bootstrap.Documents.Bastion(Architectures.Arm)).Text;
        Assert.Contains("KUBECTL_ARCH=arm64", bastion);
        Assert.Contains($"KUBECTL_SHA256={ControlHostVersions.KubectlSha256(Architectures.Arm)}", bastion);
        // kubespray v2.31.0's kubectl_checksums (amd64, 1.35.4), as the generated table carries it.
        Assert.Contains("KUBECTL_SHA256=b529430df69a688fd61b64ad2299edb5fd71cb58be2a4779dba624c7d3510efd", new BootstrapRenderer().RenderBastion(K8sLab.Tests.Bootstrap.Documents.Bastion()).Text);
    }

    [Fact]
    public void The_estimates_volumes_are_the_templates_volumes()
    {
        foreach (var name in new[] { "dev", "cheap" })
        {
            var config = EnvironmentFiles.Load(Repo.EnvironmentsFolder, name);
            var lab = Synth.RepositoryEnvironment(name);
            var templates = lab.Resources("AWS::EC2::Instance").Sum(r => r.Resource["Properties"]!["BlockDeviceMappings"]!.AsArray().Sum(m => m!["Ebs"]!["VolumeSize"]!.GetValue<int>()));
            var estimated = new CostEstimate(config, PriceTable.Embedded()).Lines.Single(l => l.Item == PriceTable.Gp3).Quantity;
            Assert.Equal(templates, estimated);
        }
    }
}
