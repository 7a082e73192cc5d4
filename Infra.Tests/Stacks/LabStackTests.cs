using System.Text.Json.Nodes;
using K8sLab.Cluster;
using K8sLab.Security;
using K8sLab.Tagging;
using K8sLab.Tests.Rules;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Stacks;

[Collection(CdkCollection.Name)]
[Trait("Uses", "jsii")]
public class LabStackTests
{
    [Fact]
    public void Two_environments_deploy_side_by_side_without_colliding_names()
    {
        var both = Synth.App(app =>
        {
            foreach (var env in new[] { "dev", "prod" })
            {
                var config = K8sLab.Configuration.EnvironmentFiles.Load(Repo.EnvironmentsFolder, env);
                Lab.Create(app, config, new K8sLab.Bootstrap.BootstrapRenderer(), new K8sLab.Images.PinnedImageSource(config.MachineImage, env));
            }
        });
        Assert.Equal(8, both.Texts.Count);

        // Physical names CloudFormation would have to create as given: none may be shared.
        var names = both.All.SelectMany(t => (t.Template["Resources"]!.AsObject())
                .SelectMany(r => PhysicalNameKeys.Select(k => r.Value!["Properties"]?[k]).OfType<JsonValue>())
                .Select(v => (Env: t.Stack.Split('-')[1], Name: v.GetValue<string>())))
            .ToList();
        Assert.Contains(names, n => n.Env == "dev"); // the key pair's generated name is one
        var dev = names.Where(n => n.Env == "dev").Select(n => n.Name).ToHashSet();
        Assert.DoesNotContain(names.Where(n => n.Env == "prod"), n => dev.Contains(n.Name));
        Assert.Empty(TemplateRules.ExportsCarryNoInstanceAttribute(both));
    }

    private static readonly string[] PhysicalNameKeys =
        { "KeyName", "RoleName", "InstanceProfileName", "GroupName", "LaunchTemplateName", "LogGroupName", "Name", "BucketName" };

    [Fact]
    public void Every_stack_carries_the_environment_tag_and_its_description()
    {
        var dev = Synth.RepositoryEnvironment("dev");
        Assert.Equal(new[] { "K8sLab-dev-Bastion", "K8sLab-dev-Network", "K8sLab-dev-Nodes", "K8sLab-dev-Security" }, dev.Texts.Keys.Order());
        foreach (var (_, template) in dev.All) Assert.StartsWith("K8sLab dev: ", template["Description"]!.GetValue<string>());
        Assert.All(dev.Resources("AWS::EC2::Instance"), r => Assert.Equal("dev", Json.Tag(r.Resource, LabTags.Environment)));
    }

    [Fact]
    public void Nodes_are_private_spread_over_zones_and_share_one_profile_and_template_per_role()
    {
        var prod = Synth.RepositoryEnvironment("prod");
        var nodes = prod.Resources("AWS::EC2::Instance").Where(r => r.Stack == "K8sLab-prod-Nodes").ToList();
        Assert.Equal(6, nodes.Count);
        Assert.All(nodes, n => Assert.False(n.Resource["Properties"]!["NetworkInterfaces"]![0]!["AssociatePublicIpAddress"]!.GetValue<bool>()));
        Assert.Equal(2, nodes.Select(n => n.Resource["Properties"]!["NetworkInterfaces"]![0]!["SubnetId"]!.ToJsonString()).Distinct().Count());
        Assert.Single(nodes.Select(n => n.Resource["Properties"]!["IamInstanceProfile"]!.ToJsonString()).Distinct());
        Assert.DoesNotContain(prod.Resources("AWS::IAM::InstanceProfile"), r => r.Stack == "K8sLab-prod-Nodes");
        Assert.Equal(2, prod.Resources("AWS::EC2::LaunchTemplate").Count(r => r.Stack == "K8sLab-prod-Nodes"));
        Assert.Equal(new[] { "t3.large", "m6i.large" }, nodes.Select(n => n.Resource["Properties"]!["InstanceType"]!.GetValue<string>()).Distinct());
    }

    [Fact]
    public void The_bastion_is_public_and_ssh_reaches_it_from_the_admin_cidr_only()
    {
        var dev = Synth.RepositoryEnvironment("dev");
        var bastion = Assert.Single(dev.Resources("AWS::EC2::Instance"), r => r.Stack == "K8sLab-dev-Bastion");
        Assert.True(bastion.Resource["Properties"]!["NetworkInterfaces"]![0]!["AssociatePublicIpAddress"]!.GetValue<bool>());
        var cidrIngress = AllIngress(dev).Where(i => i["CidrIp"] is not null).ToList();
        var ssh = Assert.Single(cidrIngress);
        Assert.Equal("203.0.113.10/32", ssh["CidrIp"]!.GetValue<string>());
        Assert.Equal(22, ssh["FromPort"]!.GetValue<int>());
    }

    [Fact]
    public void Security_groups_carry_exactly_the_port_table_with_a_description_on_every_rule()
    {
        var ingress = AllIngress(Synth.RepositoryEnvironment("dev")).ToList();
        Assert.Equal(PortRules.For(NetworkPlugin.Calico).Count, ingress.Count);
        Assert.All(ingress, i => Assert.False(string.IsNullOrWhiteSpace(i["Description"]?.GetValue<string>())));
        foreach (var rule in PortRules.For(NetworkPlugin.Calico))
            Assert.Contains(ingress, i => i["FromPort"]!.GetValue<int>() == rule.FromPort && i["ToPort"]!.GetValue<int>() == rule.ToPort
                                          && i["Description"]!.GetValue<string>() == rule.Description);
    }

    [Fact]
    public void Stack_outputs_show_each_nodes_fingerprint()
    {
        var dev = Synth.RepositoryEnvironment("dev");
        var outputs = dev.Template("K8sLab-dev-Nodes")["Outputs"]!.AsObject();
        var fingerprints = dev.Resources("AWS::EC2::Instance").ToDictionary(
            r => Json.Tag(r.Resource, "k8slab:node")!, r => Json.Tag(r.Resource, "k8slab:userdata-sha256")![..12]);
        Assert.Equal($"cp-1={fingerprints["cp-1"]}", outputs["ControlPlaneUserData"]!["Value"]!.GetValue<string>());
        Assert.Equal(fingerprints["worker-1"], fingerprints["worker-2"]);
        Assert.Equal($"worker-1..2={fingerprints["worker-1"]}", outputs["WorkerUserData"]!["Value"]!.GetValue<string>());
        Assert.All(outputs, o => Assert.Null(o.Value!["Export"]));
        Assert.StartsWith(fingerprints["bastion"], dev.Template("K8sLab-dev-Bastion")["Outputs"]!["BastionUserData"]!["Value"]!.GetValue<string>());
    }

    [Fact]
    public void The_cluster_key_is_an_ed25519_key_pair_readable_by_the_bastion_role_only()
    {
        var security = Synth.RepositoryEnvironment("dev").Template("K8sLab-dev-Security");
        var resources = security["Resources"]!.AsObject();
        var key = Assert.Single(resources, r => r.Value!["Type"]!.GetValue<string>() == "AWS::EC2::KeyPair");
        Assert.Equal("ed25519", key.Value!["Properties"]!["KeyType"]!.GetValue<string>());
        Assert.Null(key.Value["Properties"]!["PublicKeyMaterial"]);
        var readers = resources.Where(r => r.Value!["Type"]!.GetValue<string>() == "AWS::IAM::Policy"
                                           && r.Value["Properties"]!.ToJsonString().Contains("ssm:GetParameter")).ToList();
        var reader = Assert.Single(readers);
        Assert.Contains("BastionRole", reader.Value!["Properties"]!["Roles"]!.ToJsonString());
        // ...and no managed policy hands any instance role SSM reads on the side.
        Assert.Empty(SecurityRules.InstanceRolesWithoutManagedPolicies(Synth.RepositoryEnvironment("dev")));
    }

    [Fact]
    public void User_tags_reach_every_taggable_resource_but_no_stack_launch_template_or_key_pair()
    {
        var config = Environments.With("test", ("natGateways: 1", "natGateways: 1\n  natProvider: instance"), ("workers:", "tags:\n  team: platform\nworkers:"));
        var lab = Synth.Lab(config);
        var tagged = lab.All.SelectMany(t => t.Template["Resources"]!.AsObject()).Select(r => r.Value!)
            .Where(r => r["Properties"]?["Tags"] is not null).ToList();
        Assert.Contains(tagged, r => r["Type"]!.GetValue<string>() == "AWS::EC2::VPC");
        foreach (var resource in tagged)
        {
            var type = resource["Type"]!.GetValue<string>();
            var tags = resource["Properties"]!["Tags"]!;
            // A list of Key/Value pairs, or a map (SSM parameters).
            var value = tags is JsonArray list
                ? list.FirstOrDefault(t => t!["Key"]!.GetValue<string>() == "team")?["Value"]?.GetValue<string>()
                : tags["team"]?.GetValue<string>();
            Assert.Equal(type == "AWS::EC2::KeyPair" ? null : "platform", value);
        }
        // The bastion, cp-1, worker-1..2 and the NAT instance.
        Assert.Equal(5, lab.Resources("AWS::EC2::Instance").Count(r => r.Resource["Properties"]!["Tags"]!.ToJsonString().Contains("platform")));
        Assert.All(lab.Resources("AWS::EC2::LaunchTemplate"), r => Assert.DoesNotContain("platform", r.Resource.ToJsonString()));
    }

    [Fact]
    public void User_tags_stay_off_the_stacks_which_cloudformation_would_propagate_to_the_key_pair()
    {
        var config = Environments.With("test", ("workers:", "tags:\n  team: platform\nworkers:"));
        var outdir = Directory.CreateTempSubdirectory("k8slab-tags-").FullName;
        try
        {
            var app = new Amazon.CDK.App(new Amazon.CDK.AppProps { Outdir = outdir, Context = CdkJson.AppContext() });
            Lab.Create(app, config, new K8sLab.Bootstrap.BootstrapRenderer(), new K8sLab.Images.PinnedImageSource(config.MachineImage, config.Environment));
            Assert.All(app.Synth().Stacks, stack =>
            {
                Assert.Equal("test", stack.Tags[LabTags.Environment]);
                Assert.False(stack.Tags.ContainsKey("team"));
            });
        }
        finally { Directory.Delete(outdir, recursive: true); }
    }

    [Fact]
    public void The_nat_instance_option_builds_a_small_instance_with_explicit_ingress()
    {
        var config = Environments.With("test", ("natGateways: 1", "natGateways: 1\n  natProvider: instance"));
        var lab = Synth.Lab(config);
        var nat = Assert.Single(lab.Resources("AWS::EC2::Instance"), r => r.Stack == "K8sLab-test-Network");
        Assert.Equal("t3.micro", nat.Resource["Properties"]!["InstanceType"]!.GetValue<string>());
        Assert.Empty(lab.Resources("AWS::EC2::NatGateway"));
        Assert.DoesNotContain(AllIngress(lab), i => i["IpProtocol"]!.GetValue<string>() == "-1");
    }

    /// <summary>Ingress rules, inline or standalone, across all stacks.</summary>
    public static IEnumerable<JsonNode> AllIngress(Synthesized app) =>
        app.Resources("AWS::EC2::SecurityGroupIngress").Select(r => r.Resource["Properties"]!)
            .Concat(app.Resources("AWS::EC2::SecurityGroup")
                .SelectMany(r => r.Resource["Properties"]!["SecurityGroupIngress"]?.AsArray().Select(i => i!) ?? Enumerable.Empty<JsonNode>()));
}
