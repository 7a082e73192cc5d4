using K8sLab.Configuration;
using K8sLab.Tests.Support;
using static K8sLab.Tests.Support.Environments;

namespace K8sLab.Tests.Configuration;

public class EnvironmentFileTests
{
    private static string Single(ConfigException e) => Assert.Single(e.Problems);

    [Fact]
    public void The_example_file_reads_into_the_typed_model()
    {
        var config = With();
        Assert.Equal("eu-west-1", config.Region);
        Assert.Equal("10.20.0.0/16", config.Network.VpcCidr.ToString());
        Assert.Equal(1, config.ControlPlane.Count);
        Assert.Equal(2, config.Workers.Count);
        Assert.Equal("t3.medium", config.Workers.InstanceType.Name);
        Assert.Equal(ExampleAmi, config.MachineImage.AmiId);
        Assert.Equal(NatKind.Gateway, config.Network.Nat);
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    [InlineData("cheap")]
    [InlineData("spot")]
    [InlineData("cilium")]
    public void Every_shipped_environment_file_is_valid(string name)
    {
        var config = EnvironmentFiles.Load(Repo.EnvironmentsFolder, name);
        Assert.Equal(name, config.Environment);
    }

    [Fact]
    public void A_misspelt_top_level_key_is_named_with_a_suggestion_and_the_allowed_keys()
    {
        var problem = Single(Problems(("workers:", "wokers:")));
        Assert.StartsWith("environments/test.yaml: wokers: unknown key", problem);
        Assert.Contains("did you mean 'workers'?", problem);
        Assert.Contains("Allowed here: region, network, admin, machineImage, bastion, controlPlane, workers, convergence, kubernetes, snapshots, tags", problem);
    }

    [Fact]
    public void The_snapshot_settings_default_to_a_week_every_six_hours_and_are_bounded()
    {
        Assert.Equal(new SnapshotSettings(KeepDays: 7, EveryHours: 6), With().Snapshots);
        const string workers = "count: 2\n  instanceType: t3.medium";
        Assert.Equal(new SnapshotSettings(KeepDays: 365, EveryHours: 1), With("test", (workers, workers + "\nsnapshots:\n  keepDays: 365\n  everyHours: 1")).Snapshots);
        var problems = Assert.Throws<ConfigException>(() => With("test", (workers, workers + "\nsnapshots:\n  keepDays: 0\n  everyHours: 25\n  every: 6"))).Problems;
        Assert.Contains("environments/test.yaml: snapshots.keepDays: must be a whole number from 1 to 365, got 0", problems);
        Assert.Contains("environments/test.yaml: snapshots.everyHours: must be a whole number from 1 to 24, got 25", problems);
        Assert.Contains(problems, p => p.StartsWith("environments/test.yaml: snapshots.every: unknown key", StringComparison.Ordinal) && p.EndsWith("Allowed here: keepDays, everyHours", StringComparison.Ordinal));
    }

    [Fact]
    public void A_misspelt_nested_key_is_named_by_its_path()
    {
        var problem = Single(Problems(("  count: 2", "  cont: 2")));
        Assert.StartsWith("environments/test.yaml: workers.cont: unknown key", problem);
        Assert.Contains("Allowed here: count, instanceType, spot, generations", problem);
    }

    [Fact]
    public void A_wrong_type_names_the_key_and_what_is_allowed()
    {
        var problem = Single(Problems(("  count: 2", "  count: two")));
        Assert.Equal("environments/test.yaml: workers.count: must be a whole number from 0 to 1000 (line 16), got 'two'", problem);
    }

    [Fact]
    public void A_list_where_a_value_belongs_is_refused()
    {
        var problem = Single(Problems(("  instanceType: t3.small", "  instanceType: [t3.small]")));
        Assert.StartsWith("environments/test.yaml: bastion.instanceType: must be an EC2 instance type", problem);
    }

    [Theory]
    [InlineData("0", "must be a whole number from 1 to 7, got 0")]
    [InlineData("9", "must be a whole number from 1 to 7, got 9")]
    [InlineData("2", "must be odd (etcd runs on the control plane and needs a majority), got 2")]
    [InlineData("4", "must be odd (etcd runs on the control plane and needs a majority), got 4")]
    public void Control_plane_counts_must_be_odd_and_in_range(string count, string message)
    {
        var problem = Single(Problems(("  count: 1", $"  count: {count}")));
        Assert.Equal($"environments/test.yaml: controlPlane.count: {message}", problem);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("1001")]
    public void Worker_counts_out_of_range_are_refused(string count)
    {
        var problem = Single(Problems(("  count: 2", $"  count: {count}")));
        Assert.Equal($"environments/test.yaml: workers.count: must be a whole number from 0 to 1000, got {count}", problem);
    }

    [Fact]
    public void Zero_workers_is_allowed_the_control_plane_then_runs_pods()
    {
        Assert.Equal(0, With("test", ("  count: 2", "  count: 0")).Workers.Count);
    }

    [Fact]
    public void A_control_plane_type_with_one_vcpu_is_refused()
    {
        var problem = Single(Problems(("  instanceType: t3.medium\nworkers", "  instanceType: t2.small\nworkers")));
        Assert.Equal("environments/test.yaml: controlPlane.instanceType: t2.small has 1 vCPU; kubespray needs at least 2 here", problem);
    }

    [Fact]
    public void A_control_plane_type_below_1500_MB_is_refused()
    {
        var problem = Single(Problems(("  instanceType: t3.medium\nworkers", "  instanceType: t3.micro\nworkers")));
        Assert.Contains("controlPlane.instanceType: t3.micro has 1024 MiB (921 usable); kubespray needs at least 1500 MB", problem);
    }

    [Fact]
    public void A_worker_type_below_1024_MB_is_refused()
    {
        var problem = Single(Problems(("count: 2\n  instanceType: t3.medium", "count: 2\n  instanceType: t3.micro")));
        Assert.Equal("environments/test.yaml: workers.instanceType: t3.micro has 1024 MiB (921 usable); kubespray needs at least 1024 MB here, so choose a larger size", problem);
    }

    [Fact]
    public void Arm64_types_are_refused_while_the_image_is_x86_64()
    {
        var problem = Single(Problems(("  instanceType: t3.small", "  instanceType: t4g.small")));
        Assert.Contains("bastion.instanceType: t4g.small is arm64, but machineImage.architecture is x86_64", problem);
    }

    [Fact]
    public void An_unknown_instance_type_lists_the_known_families()
    {
        var problem = Single(Problems(("  instanceType: t3.small", "  instanceType: t3.smal")));
        Assert.Contains("bastion.instanceType: unknown instance type 't3.smal'; known families: t3, t3a, t4g, t2, m5", problem);
    }

    [Theory]
    [InlineData("10.20.0.0/33", "'10.20.0.0/33' is not an IPv4 CIDR block such as 10.0.0.0/16")]
    [InlineData("10.20.0.0", "'10.20.0.0' is not an IPv4 CIDR block such as 10.0.0.0/16")]
    [InlineData("10.20.300.0/16", "'10.20.300.0/16' is not an IPv4 CIDR block such as 10.0.0.0/16")]
    [InlineData("10.20.1.0/16", "'10.20.1.0/16' has host bits set; the network address is 10.20.0.0/16")]
    [InlineData("10.0.0.0/12", "must have a prefix from /16 to /22 (room for subnets in every zone), got /12")]
    [InlineData("8.8.0.0/16", "must lie in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16), got 8.8.0.0/16")]
    public void Malformed_or_impossible_vpc_blocks_are_refused(string cidr, string message)
    {
        var problem = Single(Problems(("vpcCidr: 10.20.0.0/16", $"vpcCidr: {cidr}")));
        Assert.Equal($"environments/test.yaml: network.vpcCidr: {message}", problem);
    }

    [Theory]
    [InlineData("10.233.0.0/20", "service", "10.233.0.0/18")]
    [InlineData("10.233.64.0/18", "pod", "10.233.64.0/18")]
    [InlineData("10.233.100.0/22", "pod", "10.233.64.0/18")]
    public void A_vpc_overlapping_kubesprays_ranges_is_refused(string cidr, string range, string block)
    {
        var problem = Single(Problems(("vpcCidr: 10.20.0.0/16", $"vpcCidr: {cidr}")));
        Assert.Contains($"network.vpcCidr: {cidr} overlaps kubespray's default {range} range {block}", problem);
    }

    [Fact]
    public void A_vpc_overlapping_both_ranges_reports_both()
    {
        var e = Problems(("vpcCidr: 10.20.0.0/16", "vpcCidr: 10.233.0.0/16"));
        Assert.Equal(2, e.Problems.Count);
    }

    [Fact]
    public void An_admin_cidr_open_to_the_internet_is_refused_unless_explicitly_allowed()
    {
        var problem = Single(Problems(("cidr: 198.18.0.10/32", "cidr: 0.0.0.0/0")));
        Assert.StartsWith("environments/test.yaml: admin.cidr: 0.0.0.0/0 opens the bastion's SSH to the whole internet", problem);
        Assert.Contains("admin.allowAnyAddress: true", problem);

        var allowed = With("test", ("cidr: 198.18.0.10/32", "cidr: 0.0.0.0/0\n  allowAnyAddress: true"));
        Assert.True(allowed.Admin.AllowAnyAddress);
    }

    [Fact]
    public void A_missing_admin_cidr_is_required()
    {
        var problem = Single(Problems(("  cidr: 198.18.0.10/32\n", "")));
        Assert.StartsWith("environments/test.yaml: admin.cidr: is required", problem);
    }

    [Fact]
    public void A_malformed_ami_is_refused_and_points_at_the_pin_script()
    {
        var problem = Single(Problems(("amiId: ami-0123456789abcdef0", "amiId: ubuntu-latest")));
        Assert.Contains("machineImage.amiId: 'ubuntu-latest' is not an AMI ID", problem);
        Assert.Contains("scripts/pin-image.sh", problem);
    }

    [Fact]
    public void A_nat_provider_outside_the_choices_is_refused()
    {
        var problem = Single(Problems(("natGateways: 1", "natGateways: 1\n  natProvider: nat-box")));
        Assert.Equal("environments/test.yaml: network.natProvider: must be one of gateway, instance, got 'nat-box'", problem);
    }

    [Fact]
    public void More_nat_gateways_than_zones_is_refused()
    {
        var problem = Single(Problems(("natGateways: 1", "natGateways: 3")));
        Assert.Equal("environments/test.yaml: network.natGateways: must be a whole number from 1 to 2, got 3", problem);
    }

    [Fact]
    public void Availability_zones_must_belong_to_the_region()
    {
        var problem = Single(Problems(("natGateways: 1", "natGateways: 1\n  availabilityZones: [eu-west-1a, us-east-1b]")));
        Assert.Equal("environments/test.yaml: network.availabilityZones: 'us-east-1b' is not a zone of region eu-west-1 (such as eu-west-1a)", problem);
    }

    [Fact]
    public void A_bad_region_is_refused()
    {
        var problem = Single(Problems(("region: eu-west-1", "region: europe")));
        Assert.StartsWith("environments/test.yaml: region: 'europe' is not an AWS region that AWS CDK knows Known: af-south-1, ", problem);
    }

    [Fact]
    public void A_region_shaped_like_one_but_unknown_is_refused_with_the_nearest()
    {
        var problem = Single(Problems(("region: eu-west-1", "region: eu-west-9")));
        Assert.StartsWith("environments/test.yaml: region: 'eu-west-9' is not an AWS region that AWS CDK knows; did you mean 'eu-west-1'?", problem);
        Assert.Contains("us-gov-west-1", problem);
    }

    [Fact]
    public void A_second_yaml_document_is_refused_with_its_line()
    {
        var problem = Single(Problems(Valid + "\n---\nregion: us-east-1\n"));
        Assert.StartsWith("environments/test.yaml: line 19: a second YAML document", problem);
    }

    [Fact]
    public void A_tab_in_the_indentation_is_reported_on_its_own_line()
    {
        var yaml = Valid.Replace("  count: 2", "\tcount: 2");
        Assert.Equal("environments/test.yaml: line 16: a tab in the indentation; YAML indents with spaces only", Single(Problems(yaml)));
    }

    [Fact]
    public void A_merge_key_is_explained_not_called_unknown()
    {
        var problem = Single(Problems(("workers:\n  count: 2", "workers:\n  <<: {spot: true}\n  count: 2")));
        Assert.StartsWith("environments/test.yaml: workers.<<: a YAML merge key (line 16), which this reader does not apply: write the keys out here.", problem);
    }

    [Fact]
    public void All_problems_of_a_file_are_reported_together()
    {
        var e = Problems(("region: eu-west-1", "region: europe"), ("  count: 2", "  count: many"), ("workers:", "workers:\n  size: 3"));
        Assert.Equal(3, e.Problems.Count);
    }

    [Fact]
    public void Broken_yaml_is_reported_with_its_line()
    {
        var e = Problems("region: eu-west-1\nnetwork: [unclosed\n");
        Assert.StartsWith("environments/test.yaml: line ", Single(e));
        Assert.Contains("not valid YAML", Single(e));
    }

    [Fact]
    public void Tags_are_read_in_file_order_and_default_to_none()
    {
        Assert.Empty(With().Tags);
        var config = With("test", ("workers:", "tags:\n  team: platform\n  cost-center: \"4711\"\nworkers:"));
        Assert.Equal(new[] { "team", "cost-center" }, config.Tags.Keys);
        Assert.Equal("4711", config.Tags["cost-center"]);
    }

    [Theory]
    [InlineData("aws:createdBy: me", "tags.aws:createdBy: 'aws:createdBy': the aws: prefix is reserved for AWS")]
    [InlineData("k8slab:node: x", "tags.k8slab:node: 'k8slab:node' is set by the lab itself")]
    [InlineData("Name: x", "tags.Name: 'Name' is set by the lab itself")]
    [InlineData("team!: x", "tags.team!: 'team!' has characters AWS refuses in a tag key; allowed: letters, digits, spaces and _ . : / = + - @")]
    [InlineData("team: a#b", "tags.team: the value of 'team' has characters AWS refuses in a tag value")]
    [InlineData("team: [a, b]", "tags.team: must be a text value (line ")]
    public void A_tag_aws_or_the_lab_would_refuse_is_named_with_the_rule(string tag, string expected)
    {
        var problem = Single(Problems(("workers:", $"tags:\n  {tag}\nworkers:")));
        Assert.StartsWith($"environments/test.yaml: {expected}", problem);
    }

    [Fact]
    public void A_tag_value_may_be_empty_but_not_end_in_a_newline_or_start_with_aws()
    {
        Assert.Equal("", With("test", ("workers:", "tags:\n  team: ~\nworkers:")).Tags["team"]);
        var problems = Problems(("workers:", "tags:\n  team: |\n    platform\n  owner: aws:me\nworkers:")).Problems;
        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("environments/test.yaml: tags.team: the value of 'team' has characters AWS refuses", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("environments/test.yaml: tags.owner: the value of 'owner' starts with aws:", StringComparison.Ordinal));
    }

    [Fact]
    public void Tag_keys_that_differ_only_in_case_are_refused_with_their_line()
    {
        var problem = Single(Problems(("workers:", "tags:\n  team: a\n  Team: b\nworkers:")));
        Assert.Equal("environments/test.yaml: tags.Team: 'team' and 'Team' differ only in case (line 17); AWS services such as IAM take them as one key", problem);
    }

    [Fact]
    public void Tags_longer_than_aws_allows_are_refused()
    {
        var key = new string('k', 129);
        var problems = Problems(("workers:", $"tags:\n  {key}: x\n  team: {new string('v', 257)}\nworkers:")).Problems;
        Assert.Contains(problems, p => p.Contains("a tag key has 1 to 128 characters, got 129"));
        Assert.Contains(problems, p => p.Contains("the value of 'team' has 257 characters; AWS allows up to 256"));
    }

    [Fact]
    public void More_tags_than_fit_beside_the_labs_own_are_refused()
    {
        var tags = string.Join("\n", Enumerable.Range(1, 45).Select(i => $"  t{i}: v"));
        var problem = Single(Problems(("workers:", $"tags:\n{tags}\nworkers:")));
        Assert.Equal("environments/test.yaml: tags: 45 tags; AWS allows 50 a resource and the lab sets 6 of them on an instance, so at most 44", problem);
        Assert.Equal(44, With("test", ("workers:", $"tags:\n{string.Join("\n", Enumerable.Range(1, 44).Select(i => $"  t{i}: v"))}\nworkers:")).Tags.Count);
    }

    [Fact]
    public void Tags_must_be_a_mapping()
    {
        var problem = Single(Problems(("workers:", "tags: [team]\nworkers:")));
        Assert.StartsWith("environments/test.yaml: tags: must be a mapping of tag keys to values", problem);
    }

    [Fact]
    public void A_missing_environment_file_lists_the_available_ones()
    {
        var e = Assert.Throws<ConfigException>(() => EnvironmentFiles.Load(Repo.EnvironmentsFolder, "staging"));
        Assert.Equal("environments/staging.yaml: no such environment file; available: cheap, cilium, dev, prod, spot (choose one with -c env=NAME)", Single(e));
    }

    [Fact]
    public void An_environment_name_that_cannot_name_a_stack_is_refused()
    {
        var e = Assert.Throws<ConfigException>(() => EnvironmentFiles.Load(Repo.EnvironmentsFolder, "../dev"));
        Assert.Contains("environment name '../dev'", Single(e));
    }
}

public class CdkContextTests
{
    [Theory]
    [InlineData(null, "dev")]
    [InlineData("", "dev")]
    [InlineData("{}", "dev")]
    [InlineData("""{"env":"prod","aws:cdk:enable-path-metadata":true}""", "prod")]
    [InlineData("""{"env":7}""", "dev")]
    public void The_environment_comes_from_the_cli_context_with_dev_as_default(string? json, string expected) =>
        Assert.Equal(expected, K8sLab.Configuration.CdkContext.Environment(json));
}
