using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using K8sLab.Bootstrap;
using K8sLab.Configuration;
using K8sLab.Images;
using K8sLab.Tests.Rules;
using K8sLab.Tests.Support;
using Moq;

namespace K8sLab.Tests.Stacks;

/// <summary>The traps of ../shared/DESIGN.md, each shown on CDK itself and then shown closed in the lab.</summary>
[Collection(CdkCollection.Name)]
[Trait("Uses", "jsii")]
public class TrapTests
{
    private static readonly LabConfig Pinned = Environments.With();

    /// <summary>A bare instance, the way one would write it without knowing the traps.</summary>
    private static Synthesized Bare(string userData, bool? causesReplacement, Action<Instance_>? tamper = null) => Synth.App(app =>
    {
        var stack = new Stack(app, "Bare", new StackProps { Env = new Amazon.CDK.Environment { Region = "eu-west-1" } });
        var vpc = new Vpc(stack, "Vpc", new VpcProps { MaxAzs = 1, NatGateways = 0, SubnetConfiguration = new ISubnetConfiguration[] { new SubnetConfiguration { Name = "p", SubnetType = SubnetType.PUBLIC } } });
        var instance = new Instance_(stack, "Host", new InstanceProps
        {
            Vpc = vpc,
            InstanceType = new InstanceType("t3.small"),
            MachineImage = MachineImage.GenericLinux(new Dictionary<string, string> { ["eu-west-1"] = Environments.ExampleAmi }),
            UserData = UserData.Custom(userData),
            UserDataCausesReplacement = causesReplacement,
        });
        tamper?.Invoke(instance);
    });

    /// <summary>A renderer that renders as the real one does until a test sets up a change.</summary>
    private static Mock<IBootstrapRenderer> Delegating()
    {
        var real = new BootstrapRenderer();
        var mock = new Mock<IBootstrapRenderer>();
        mock.Setup(r => r.RenderNode(It.IsAny<NodeSpec>())).Returns<NodeSpec>(real.RenderNode);
        mock.Setup(r => r.RenderBastion(It.IsAny<BastionSpec>())).Returns<BastionSpec>(real.RenderBastion);
        mock.Setup(r => r.RenderNatInstance()).Returns(real.RenderNatInstance);
        return mock;
    }

    private static string InstanceId(Synthesized s) => Assert.Single(s.Resources("AWS::EC2::Instance")).LogicalId;

    [Fact]
    public void Trap1_without_the_flag_a_changed_user_data_keeps_the_instance()
    {
        Assert.Equal(InstanceId(Bare("#!/bin/sh\necho one\n", null)), InstanceId(Bare("#!/bin/sh\necho two\n", null)));
        Assert.NotEmpty(TemplateRules.ReplacementFollowsUserData(Bare("#!/bin/sh\necho one\n", null)));
    }

    [Fact]
    public void Trap1_with_the_flag_a_changed_user_data_replaces_the_instance()
    {
        var one = Bare("#!/bin/sh\necho one\n", true);
        Assert.NotEqual(InstanceId(one), InstanceId(Bare("#!/bin/sh\necho two\n", true)));
        Assert.Empty(TemplateRules.ReplacementFollowsUserData(one));
    }

    [Fact]
    public void Trap6_user_data_set_on_the_L1_resource_bypasses_the_hash()
    {
        void Override(Instance_ i, string text) =>
            ((CfnInstance)i.Node.DefaultChild!).AddPropertyOverride("UserData", Fn.Base64(text));
        var one = Bare("#!/bin/sh\n", true, i => Override(i, "#!/bin/sh\necho one\n"));
        var two = Bare("#!/bin/sh\n", true, i => Override(i, "#!/bin/sh\necho two\n"));
        Assert.Equal(InstanceId(one), InstanceId(two));
        Assert.NotEmpty(TemplateRules.ReplacementFollowsUserData(one));
    }

    [Fact]
    public void Every_lab_instance_carries_the_hash_of_the_user_data_it_boots()
    {
        var lab = Synth.Lab(Pinned);
        Assert.Equal(4, lab.Resources("AWS::EC2::Instance").Count());
        Assert.Empty(TemplateRules.ReplacementFollowsUserData(lab));
        Assert.Empty(TemplateRules.FingerprintTagsMatch(lab));
    }

    [Fact]
    public void Changing_one_workers_bootstrap_replaces_that_worker_only()
    {
        var real = new BootstrapRenderer();
        var changed = Delegating();
        changed.Setup(r => r.RenderNode(It.IsAny<NodeSpec>())).Returns<NodeSpec>(node => node.Name == "worker-2"
            ? new UserDataDocument(real.RenderNode(node).Text + "bootcmd:\n- echo changed\n")
            : real.RenderNode(node));

        var before = Synth.Lab(Pinned);
        var after = Synth.Lab(Pinned, changed.Object);

        changed.Verify(r => r.RenderNode(It.IsAny<NodeSpec>()), Times.Exactly(3));
        var old = before.InstanceIdsByNode();
        var now = after.InstanceIdsByNode();
        Assert.Equal(new[] { "worker-2" }, old.Keys.Where(node => old[node] != now[node]));
        foreach (var stack in new[] { "K8sLab-test-Network", "K8sLab-test-Security", "K8sLab-test-Bastion" })
            Assert.Equal(before.Texts[stack], after.Texts[stack]);
    }

    [Fact]
    public void Changing_the_workers_document_replaces_every_worker_and_no_control_plane_node()
    {
        var real = new BootstrapRenderer();
        var changed = Delegating();
        changed.Setup(r => r.RenderNode(It.IsAny<NodeSpec>())).Returns<NodeSpec>(node => node.Role == NodeRole.Worker
            ? new UserDataDocument(real.RenderNode(node).Text + "bootcmd:\n- echo worker change\n")
            : real.RenderNode(node));

        var old = Synth.Lab(Pinned).InstanceIdsByNode();
        var now = Synth.Lab(Pinned, changed.Object).InstanceIdsByNode();
        Assert.Equal(new[] { "worker-1", "worker-2" }, old.Keys.Where(node => old[node] != now[node]).Order());
    }

    [Fact]
    public void Changing_the_bastions_bootstrap_replaces_no_node()
    {
        var real = new BootstrapRenderer();
        var changed = Delegating();
        changed.Setup(r => r.RenderBastion(It.IsAny<BastionSpec>()))
            .Returns<BastionSpec>(b => real.RenderBastion(b) with { Text = real.RenderBastion(b).Text + "bootcmd:\n- echo changed\n" });

        var before = Synth.Lab(Pinned);
        var after = Synth.Lab(Pinned, changed.Object);

        Assert.NotEqual(before.InstanceIdsByNode()["bastion"], after.InstanceIdsByNode()["bastion"]);
        Assert.Equal(before.Texts["K8sLab-test-Nodes"], after.Texts["K8sLab-test-Nodes"]);
    }

    [Fact]
    public void Changing_nothing_gives_byte_identical_templates()
    {
        var one = Synth.Lab(Pinned);
        var two = Synth.Lab(Pinned);
        Assert.Equal(one.Texts.Keys.Order(), two.Texts.Keys.Order());
        foreach (var stack in one.Texts.Keys) Assert.Equal(one.Texts[stack], two.Texts[stack]);
    }

    [Fact]
    public void Trap3_no_export_carries_an_instance_attribute()
    {
        foreach (var env in new[] { "dev", "prod" })
            Assert.Empty(TemplateRules.ExportsCarryNoInstanceAttribute(Synth.RepositoryEnvironment(env)));
        Assert.Empty(TemplateRules.ExportsCarryNoInstanceAttribute(Synth.Lab(Environments.With("test", ("natGateways: 1", "natGateways: 1\n  natProvider: instance")))));
    }

    [Fact]
    public void Trap3_the_rule_catches_a_stack_that_imports_the_bastions_address()
    {
        var broken = Synth.App(app =>
        {
            var lab = Lab.Create(app, Pinned, new BootstrapRenderer(), new PinnedImageSource(Pinned.MachineImage, "test"));
            _ = new CfnOutput(lab.Nodes, "BastionAddress", new CfnOutputProps { Value = lab.Bastion.Bastion.PrivateIp });
        });
        var violation = Assert.Single(TemplateRules.ExportsCarryNoInstanceAttribute(broken));
        Assert.StartsWith("K8sLab-test-Bastion: export", violation);
    }

    [Fact]
    public void Trap2_user_data_holds_no_reference_and_the_rule_catches_one()
    {
        Assert.Empty(TemplateRules.UserDataIsSelfContained(Synth.Lab(Pinned)));
        var broken = Synth.App(app =>
        {
            var lab = Lab.Create(app, Pinned, new BootstrapRenderer(), new PinnedImageSource(Pinned.MachineImage, "test"));
            var worker = lab.Nodes.Nodes.Last().Resource;
            var controlPlane = lab.Nodes.Nodes.First();
            worker.AddPropertyOverride("UserData", Fn.Base64("#!/bin/sh\necho " + controlPlane.PrivateIp));
        });
        Assert.Contains(TemplateRules.UserDataIsSelfContained(broken), v => v.Contains("cp1"));
    }

    [Fact]
    public void Trap4_no_instance_pins_a_private_ip_and_the_rule_catches_one()
    {
        Assert.Empty(TemplateRules.NoFixedPrivateIp(Synth.Lab(Pinned)));
        var broken = Bare("#!/bin/sh\n", true, i => ((CfnInstance)i.Node.DefaultChild!).PrivateIpAddress = "10.0.0.10");
        Assert.Single(TemplateRules.NoFixedPrivateIp(broken));
    }

    [Fact]
    public void Trap5_images_come_from_the_pin_and_the_rule_catches_latest()
    {
        var pinned = Synth.Lab(Pinned);
        Assert.Empty(TemplateRules.ImagesArePinned(pinned));
        Assert.All(pinned.Resources("AWS::EC2::Instance"), r => Assert.Equal(Environments.ExampleAmi, r.Resource["Properties"]!["ImageId"]!.GetValue<string>()));

        var latest = new Mock<IMachineImageSource>();
        latest.Setup(s => s.ImageFor(It.IsAny<Constructs.Construct>())).Returns(MachineImage.LatestAmazonLinux2023());
        var broken = Synth.Lab(Pinned, images: latest.Object);
        Assert.NotEmpty(TemplateRules.ImagesArePinned(broken));
    }

    [Fact]
    public void Trap5_an_unpinned_environment_synthesizes_but_cannot_deploy_instances()
    {
        var unpinned = Synth.RepositoryEnvironment("dev");
        Assert.Empty(TemplateRules.ImagesArePinned(unpinned));
        foreach (var stack in new[] { "K8sLab-dev-Bastion", "K8sLab-dev-Nodes" })
        {
            var parameter = unpinned.Template(stack)["Parameters"]![PinnedImageSource.UnpinnedParameterId]!;
            Assert.Null(parameter["Default"]);
            // No value matches "^$" with a minimum length of 1: CloudFormation refuses the change set.
            Assert.Equal("^$", parameter["AllowedPattern"]!.GetValue<string>());
            Assert.Equal(1, parameter["MinLength"]!.GetValue<int>());
        }
        Assert.Null(unpinned.Template("K8sLab-dev-Network")["Parameters"]?[PinnedImageSource.UnpinnedParameterId]);
    }

    [Fact]
    public void Trap7_user_data_over_16KB_fails_the_synth_naming_the_instance()
    {
        var real = new BootstrapRenderer();
        var huge = Delegating();
        huge.Setup(r => r.RenderNode(It.IsAny<NodeSpec>())).Returns<NodeSpec>(n =>
            new UserDataDocument(real.RenderNode(n).Text + "# " + new string('x', 16 * 1024) + "\n"));
        var e = Assert.ThrowsAny<Exception>(() => Synth.Lab(Pinned, huge.Object));
        Assert.Contains("BootstrapTemplate.Document: the document of instance 'cp-1' is", e.Message);
        Assert.Contains("EC2 takes at most 16384", e.Message);
    }
}
