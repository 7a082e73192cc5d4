using K8sLab.Configuration;
using K8sLab.Tests.Support;
using static K8sLab.Tests.Support.Environments;

namespace K8sLab.Tests.Configuration;

/// <summary>machineImage.architecture and the groups' spot setting: what they accept, and every error at once.</summary>
public class AffordabilitySettingsTests
{
    private static readonly (string, string)[] Arm =
    {
        ("  name: example-image", "  name: example-image\n  architecture: arm64"),
        ("bastion:\n  instanceType: t3.small", "bastion:\n  instanceType: t4g.small"),
        ("count: 1\n  instanceType: t3.medium", "count: 1\n  instanceType: t4g.medium"),
        ("count: 2\n  instanceType: t3.medium", "count: 2\n  instanceType: m7g.medium"),
    };

    [Fact]
    public void An_arm64_environment_takes_graviton_types_and_defaults_to_them()
    {
        var config = With("test", Arm);
        Assert.Equal(Architectures.Arm, config.MachineImage.Architecture);
        Assert.Equal("m7g.medium", config.Workers.InstanceType.Name);
        Assert.Equal(1, config.Workers.InstanceType.VCpus);
        // The NAT instance's type was not given: the arm64 default, not t3.micro.
        Assert.Equal("t4g.micro", config.Network.NatInstanceType.Name);
    }

    [Fact]
    public void Without_the_key_an_environment_is_x86_64_as_before()
    {
        var config = With();
        Assert.Equal(Architectures.X86, config.MachineImage.Architecture);
        Assert.Equal("t3.micro", config.Network.NatInstanceType.Name);
        Assert.False(config.Workers.Spot);
        Assert.False(config.ControlPlane.Spot);
    }

    [Fact]
    public void Mixing_architectures_names_every_key_that_does_not_fit_the_image()
    {
        var e = Problems(Arm.Take(3).Append(("natGateways: 1", "natGateways: 1\n  natProvider: instance\n  natInstanceType: t3.micro")).ToArray());
        Assert.Equal(2, e.Problems.Count);
        Assert.Contains(e.Problems, p => p.StartsWith("environments/test.yaml: network.natInstanceType: t3.micro is x86_64, but machineImage.architecture is arm64"));
        Assert.Contains(e.Problems, p => p.StartsWith("environments/test.yaml: workers.instanceType: t3.medium is x86_64, but machineImage.architecture is arm64")
                                         && p.Contains("choose an arm64 type (t4g, m7g, c7g, ...)"));
    }

    [Fact]
    public void An_unknown_architecture_lists_the_allowed_ones()
    {
        var problem = Assert.Single(Problems(("  name: example-image", "  name: example-image\n  architecture: aarch64")).Problems);
        Assert.Equal("environments/test.yaml: machineImage.architecture: must be one of x86_64, arm64, got 'aarch64'", problem);
    }

    [Fact]
    public void Graviton_sizes_still_meet_kubesprays_floors()
    {
        // c7g.medium: 1 vCPU, below the control plane's 2; t4g.micro: 1 GiB, below a node's 1024 MB usable.
        var e = Problems(Arm.Concat(new[] { ("count: 1\n  instanceType: t4g.medium", "count: 1\n  instanceType: c7g.medium"), ("count: 2\n  instanceType: m7g.medium", "count: 2\n  instanceType: t4g.micro") }).ToArray());
        Assert.Contains(e.Problems, p => p.Contains("controlPlane.instanceType: c7g.medium has 1 vCPU; kubespray needs at least 2 here"));
        Assert.Contains(e.Problems, p => p.Contains("workers.instanceType: t4g.micro has 1024 MiB (921 usable)"));
    }

    [Fact]
    public void Spot_is_a_per_group_choice()
    {
        var config = With("test", ("count: 2\n  instanceType: t3.medium", "count: 2\n  instanceType: t3.medium\n  spot: true"));
        Assert.True(config.Workers.Spot);
        Assert.False(config.ControlPlane.Spot);
    }

    [Fact]
    public void Spot_takes_true_or_false_and_only_on_node_groups()
    {
        var e = Problems(
            ("count: 2\n  instanceType: t3.medium", "count: 2\n  instanceType: t3.medium\n  spot: yes"),
            ("bastion:\n  instanceType: t3.small", "bastion:\n  instanceType: t3.small\n  spot: true"));
        Assert.Equal(2, e.Problems.Count);
        Assert.Contains(e.Problems, p => p.StartsWith("environments/test.yaml: workers.spot: must be true or false"));
        Assert.Contains(e.Problems, p => p.StartsWith("environments/test.yaml: bastion.spot: unknown key") && p.EndsWith("Allowed here: instanceType"));
    }

    [Fact]
    public void Every_accepted_instance_type_has_a_price_in_us_east_1()
    {
        var prices = K8sLab.Costs.PriceTable.Embedded();
        var unpriced = InstanceTypes.All.Keys.Where(t => prices.Find("us-east-1", K8sLab.Costs.PriceTable.Instance(t)) is null).ToList();
        Assert.True(unpriced.Count == 0, string.Join(", ", unpriced));
    }
}
