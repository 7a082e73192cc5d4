using K8sLab.Configuration;
using K8sLab.Convergence;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Configuration;

/// <summary>What grows with the node count, refused when the file is read, naming the setting to change.</summary>
public class ScaleLimitTests
{
    private static string Problem(params (string Line, string Replacement)[] replace) =>
        string.Join("\n", Environments.Problems(replace).Problems);

    [Fact]
    public void The_repository_environments_are_within_every_limit()
    {
        foreach (var name in new[] { "dev", "prod", "cheap" })
            Assert.Empty(ScaleLimits.Check(K8sLab.Configuration.EnvironmentFiles.Load(Repo.EnvironmentsFolder, name)));
    }

    [Fact]
    public void Forks_and_the_bastion_follow_the_node_count()
    {
        Assert.Equal(new[] { 5, 5, 25, 50, 50 }, new[] { 3, 20, 100, 200, 1007 }.Select(ScaleLimits.Forks));
        Assert.Equal(1014, ScaleLimits.BastionMemoryMb(3));      // t3.small: 1843 MB usable
        Assert.Equal(3968, ScaleLimits.BastionMemoryMb(400));    // t3.large: 7372 MB usable
        var problem = Problem(("count: 2\n  instanceType: t3.medium", "count: 399\n  instanceType: t3.medium\nconvergence:\n  maxSurge: 10\nkubernetes:\n  podCidr: 10.64.0.0/14"));
        Assert.Equal("environments/test.yaml: bastion.instanceType: t3.small has 1843 MB usable; converging 400 nodes runs ansible with 50 forks " +
            "and needs about 3968 MB (768 MB + 48 MB a fork + 2 MB a node): choose t3.large or larger", problem);
    }

    [Fact]
    public void The_nodes_fit_one_stacks_resources()
    {
        // 7 + 466 = 473 nodes and at most 27 other resources: CloudFormation's 500 (BENCHMARKS.md has the template).
        const string big = "count: 466\n  instanceType: t3.medium\nconvergence:\n  maxSurge: 23\nkubernetes:\n  podCidr: 10.64.0.0/13";
        Assert.Equal(473, Environments.With("test", ("count: 2\n  instanceType: t3.medium", big), ("controlPlane:\n  count: 1", "controlPlane:\n  count: 7"),
            ("instanceType: t3.small", "instanceType: t3.large")).NodeCount);
        var problem = Problem(("count: 2\n  instanceType: t3.medium", big.Replace("466", "467")), ("controlPlane:\n  count: 1", "controlPlane:\n  count: 7"),
            ("instanceType: t3.small", "instanceType: t3.large"));
        Assert.Equal("environments/test.yaml: workers.count: 467 workers and 7 control-plane nodes make 474 nodes; the Nodes stack takes at most 473 " +
            "(one resource each, besides up to 27 others, within CloudFormation's 500 resources per stack): allowed 0 to 466 workers with 7 control-plane nodes", problem);
        // The largest lab's wait fits 12 hours from maxSurge 23 on (the control plane's roll takes 3 h 12 min of it).
        Assert.Equal("environments/test.yaml: convergence.maxSurge: replacing 466 workers 22 at a time takes about 12.1 hours (12 minutes a batch); " +
            "a CloudFormation wait lasts at most 12 hours: set it to at least 23",
            Problem(("count: 2\n  instanceType: t3.medium", big.Replace("maxSurge: 23", "maxSurge: 22")), ("controlPlane:\n  count: 1", "controlPlane:\n  count: 7"),
                ("instanceType: t3.small", "instanceType: t3.large")));
        Assert.Contains("allowed 0 to 472 workers with 1 control-plane nodes",
            Problem(("count: 2\n  instanceType: t3.medium", big.Replace("466", "1000")), ("instanceType: t3.small", "instanceType: t3.large")));
    }

    [Fact]
    public void The_pod_range_must_hold_every_node_and_the_surge()
    {
        var problem = Problem(("count: 2\n  instanceType: t3.medium", "count: 64\n  instanceType: t3.medium\nconvergence:\n  maxSurge: 2"));
        Assert.Equal("environments/test.yaml: kubernetes.podCidr: 10.233.64.0/18 with kubernetes.nodePrefix /24 holds 64 nodes; the cluster has up to 67 " +
            "(65 nodes + convergence.maxSurge 2): use a larger range such as 10.64.0.0/17 or a longer nodePrefix (up to /25, 110 pods a node)", problem);
        Environments.With("test", ("count: 2\n  instanceType: t3.medium", "count: 64\n  instanceType: t3.medium\nconvergence:\n  maxSurge: 2\nkubernetes:\n  nodePrefix: 25"));
    }

    [Fact]
    public void The_pod_range_stays_clear_of_the_vpc_and_the_services()
    {
        Assert.Contains("kubernetes.podCidr: 10.20.0.0/16 overlaps the VPC 10.20.0.0/16",
            Problem(("count: 2\n  instanceType: t3.medium", "count: 2\n  instanceType: t3.medium\nkubernetes:\n  podCidr: 10.20.0.0/16")));
        Assert.Contains("kubernetes.podCidr: 10.233.0.0/16 overlaps the service range 10.233.0.0/18 (kubespray's default; kubernetes.serviceCidr)",
            Problem(("count: 2\n  instanceType: t3.medium", "count: 2\n  instanceType: t3.medium\nkubernetes:\n  podCidr: 10.233.0.0/16")));
    }

    [Fact]
    public void Private_subnets_hold_every_node_twice_for_a_full_replacement()
    {
        // A /22 over two zones: four /24 subnets of 251 addresses.
        Assert.Equal(24, ScaleLimits.SubnetPrefix(System.Net.IPNetwork.Parse("10.20.0.0/22"), 2));
        Assert.Equal(251, ScaleLimits.AddressesPerSubnet(System.Net.IPNetwork.Parse("10.20.0.0/22"), 2));
        Assert.Equal(19, ScaleLimits.SubnetPrefix(System.Net.IPNetwork.Parse("10.20.0.0/16"), 3)); // 6 subnets: /19 each
        var problem = Problem(("vpcCidr: 10.20.0.0/16", "vpcCidr: 10.20.0.0/22"),
            ("count: 2\n  instanceType: t3.medium", "count: 250\n  instanceType: t3.medium\nconvergence:\n  maxSurge: 10\nkubernetes:\n  podCidr: 10.64.0.0/14"),
            ("instanceType: t3.small", "instanceType: t3.medium"));
        Assert.Equal("environments/test.yaml: network.vpcCidr: 10.20.0.0/22 over 2 zones gives each private subnet a /24 of 251 addresses; " +
            "replacing every node needs 252 in the busiest (CloudFormation creates each new instance before deleting the old one): " +
            "use a larger block (a shorter prefix) or more network.availabilityZones", problem);
    }

    [Fact]
    public void A_rolling_replacement_must_fit_in_one_wait()
    {
        var problem = Problem(("count: 2\n  instanceType: t3.medium", "count: 400\n  instanceType: t3.medium\nkubernetes:\n  podCidr: 10.64.0.0/14"),
            ("instanceType: t3.small", "instanceType: t3.large"));
        Assert.Equal("environments/test.yaml: convergence.maxSurge: replacing 400 workers 1 at a time takes about 83.8 hours (12 minutes a batch); " +
            "a CloudFormation wait lasts at most 12 hours: set it to at least 10", problem);
        Environments.With("test", ("count: 2\n  instanceType: t3.medium", "count: 400\n  instanceType: t3.medium\nconvergence:\n  maxSurge: 10\nkubernetes:\n  podCidr: 10.64.0.0/14"),
            ("instanceType: t3.small", "instanceType: t3.large"));
    }

    [Fact]
    public void The_wait_leaves_room_for_an_upgrade_and_a_roll_of_the_control_plane_node_by_node()
    {
        // kubespray upgrades control-plane nodes one at a time, and the convergence rolls them one at a time
        // (successor joins, predecessor leaves: ~25 min each, after a snapshot, plus one cluster.yml to reorder).
        var one = ScaleLimits.WaitTimeout(Environments.With("test", ("count: 2\n  instanceType: t3.medium", "count: 0\n  instanceType: t3.medium")));
        var seven = ScaleLimits.WaitTimeout(Environments.With("test", ("count: 2\n  instanceType: t3.medium", "count: 0\n  instanceType: t3.medium"),
            ("controlPlane:\n  count: 1", "controlPlane:\n  count: 7")));
        Assert.Equal((ScaleLimits.WaitPerControlPlane + ScaleLimits.WaitPerControlPlaneRoll + ScaleLimits.WaitPerNode) * 6, seven - one);
        Assert.Equal(TimeSpan.FromMinutes(2 + 15 + 25 * 7), ScaleLimits.ControlPlaneRoll(7));
        Assert.True(seven >= ScaleLimits.WaitPerControlPlane * 7 + ScaleLimits.ControlPlaneRoll(7),
            $"{seven}: the control plane's upgrade and roll alone take about {ScaleLimits.WaitPerControlPlane * 7 + ScaleLimits.ControlPlaneRoll(7)}");
    }

    [Theory]
    [InlineData(1, 2, 1, 117)] // dev: 50 + 42 (roll) + 1 (3 nodes) + 24 (2 batches)
    [InlineData(3, 2, 1, 188)] // dev with 3 control-plane nodes: 50 + 20 (upgrade) + 92 (roll) + 1.7 + 24
    [InlineData(7, 466, 23, 712)] // the largest lab: 50 + 60 + 192 + 157.7 (473 nodes) + 252 (21 batches), within 12 h
    public void The_wait_of_a_lab_in_minutes(int controlPlane, int workers, int surge, int minutes)
    {
        var config = Environments.With("test", ("count: 2\n  instanceType: t3.medium",
                $"count: {workers}\n  instanceType: t3.medium\nconvergence:\n  maxSurge: {surge}\nkubernetes:\n  podCidr: 10.64.0.0/13"),
            ("controlPlane:\n  count: 1", $"controlPlane:\n  count: {controlPlane}"), ("instanceType: t3.small", "instanceType: t3.large"));
        Assert.Equal(minutes, (int)Math.Ceiling(ScaleLimits.WaitTimeout(config).TotalMinutes));
        Assert.Empty(ScaleLimits.Check(config));
    }

    [Fact]
    public void Generations_name_nodes_of_their_group()
    {
        var problem = Problem(("count: 2\n  instanceType: t3.medium", "count: 2\n  instanceType: t3.medium\n  generations:\n    worker-3: 1\n    worker-1: x"));
        Assert.Contains("workers.generations.worker-3: names no node of this group; allowed: worker-1 to worker-2", problem);
        Assert.Contains("workers.generations.worker-1: must be a whole number from 0 to 999, got 'x'", problem);
        Assert.Equal(2, Environments.With("test", ("count: 2\n  instanceType: t3.medium", "count: 2\n  instanceType: t3.medium\n  generations:\n    worker-2: 2")).Workers.GenerationOf("worker-2"));
    }

    [Fact]
    public void The_request_fits_ssms_standard_tier_at_the_largest_lab_the_file_allows()
    {
        // 7 control-plane nodes and 1000 workers, with the longest logical IDs a node can have.
        var nodes = Enumerable.Range(1, 7).Select(i => new RequestedNode($"cp-{i}", "control-plane", $"cp{i}0123456789abcdefG999"))
            .Concat(Enumerable.Range(1, 1000).Select(i => new RequestedNode($"worker-{i}", "worker", $"worker{i}0123456789abcdefG999"))).ToList();
        // The longest settings: every add-on, each plugin's variables, the longest values the file allows.
        foreach (var plugin in K8sLab.Cluster.NetworkPlugins.All)
        {
            var config = Environments.With("test", ("count: 2\n  instanceType: t3.medium", "count: 2\n  instanceType: t3.medium\nkubernetes:\n" +
                $"  networkPlugin: {K8sLab.Cluster.NetworkPlugins.Name(plugin)}\n  version: 1.33.11\n  podCidr: 172.100.128.0/17\n  serviceCidr: 172.101.128.0/17\n  nodePrefix: 25\n  allowRebuild: true\n  addons:\n" +
                string.Join("", K8sLab.Cluster.Addons.All.Select(a => $"    {a.Key}: true\n"))));
            var settings = RequestSettings.For(config, "k8slab-" + new string('s', ConvergenceRequest.BucketNameBytes - 7)) with { MaxSurge = 100, Forks = 50, DownloadOnce = true, DrainSeconds = 3600 };
            var request = new ConvergenceRequest("0123456789ab", "ConvergeSignal0123456789ab", nodes, settings);
            Assert.All(request.Parameters, p => Assert.True(p.MaxBytes <= ConvergenceRequest.StandardTierBytes, $"{p.MaxBytes} bytes"));
            Assert.Equal(10, request.Parameters.Count); // the header and 9 parts
            Assert.True(request.Parameters.Skip(1).Max(p => p.MaxBytes) > 4000, "parts are filled");
            Assert.True(request.Parameters[0].MaxBytes < 3200, $"the header takes {request.Parameters[0].MaxBytes} bytes with the signal URL's allowance");
        }
    }
}
