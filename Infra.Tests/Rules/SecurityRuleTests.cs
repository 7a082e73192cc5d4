using System.Text.Json.Nodes;
using K8sLab.Cluster;
using K8sLab.Configuration;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Rules;

/// <summary>Every environment file of the repository, synthesized once for the whole rule suite.</summary>
public sealed class AllEnvironments
{
    public IReadOnlyDictionary<string, Synthesized> ByName { get; } =
        EnvironmentFiles.Available(Repo.EnvironmentsFolder).ToDictionary(name => name, Synth.RepositoryEnvironment);

    public IEnumerable<string> Violations(Func<Synthesized, IEnumerable<string>> rule) =>
        ByName.SelectMany(e => rule(e.Value).Select(v => $"{e.Key}: {v}"));
}

/// <summary>
/// The rule suite: each rule passes on every environment file in the repository, and fails on a
/// deliberately broken copy of a real template.
/// </summary>
[Collection(CdkCollection.Name)]
[Trait("Uses", "jsii")]
public class SecurityRuleTests(AllEnvironments environments) : IClassFixture<AllEnvironments>
{
    private Synthesized Dev => environments.ByName["dev"];
    private Synthesized Cheap => environments.ByName["cheap"];
    private Synthesized Spot => environments.ByName["spot"];

    /// <summary>A copy of <paramref name="app"/> with one stack's template changed.</summary>
    private static Synthesized Broken(Synthesized app, string stack, Action<JsonObject> change)
    {
        var template = app.Template(stack);
        change(template);
        var texts = app.Texts.ToDictionary(t => t.Key, t => t.Value);
        texts[stack] = template.ToJsonString();
        return new Synthesized(texts);
    }

    private static JsonObject First(JsonObject template, string type, Func<JsonObject, bool>? where = null) =>
        template["Resources"]!.AsObject().Select(r => r.Value!.AsObject())
            .First(r => r["Type"]!.GetValue<string>() == type && (where?.Invoke(r) ?? true));

    private static void Add(JsonObject template, string id, JsonNode resource) => template["Resources"]!.AsObject()[id] = resource;

    private static void Remove(JsonObject template, string type)
    {
        var resources = template["Resources"]!.AsObject();
        foreach (var key in resources.Where(r => r.Value!["Type"]!.GetValue<string>() == type).Select(r => r.Key).ToList()) resources.Remove(key);
    }

    private static JsonNode Ref(JsonObject template, string idPart) =>
        new JsonObject
        {
            ["Fn::GetAtt"] = new JsonArray(template["Resources"]!.AsObject()
            .First(r => r.Key.StartsWith(idPart, StringComparison.Ordinal) && r.Value!["Type"]!.GetValue<string>() == "AWS::EC2::SecurityGroup").Key, "GroupId")
        };

    private static JsonObject PolicyOf(JsonObject template, string role) =>
        First(template, "AWS::IAM::Policy", p => Json.References(p["Properties"]!["Roles"]).Any(r => r.StartsWith(role, StringComparison.Ordinal)));

    private static JsonArray Statements(JsonObject policy) => policy["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray();

    private static JsonObject Statement(JsonObject policy, string sid) =>
        Statements(policy).OfType<JsonObject>().Single(s => s["Sid"]?.GetValue<string>() == sid);

    private static JsonNode ParameterArn(string name) => JsonNode.Parse($$"""
        {"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":ssm:eu-west-1:",{"Ref":"AWS::AccountId"},":parameter{{name}}"]]}
        """)!;

    [Fact]
    public void The_suite_covers_every_environment_file()
    {
        Assert.Equal(EnvironmentFiles.Available(Repo.EnvironmentsFolder), environments.ByName.Keys.Order());
        Assert.Contains(Cheap.Resources("AWS::EC2::Instance"), r => r.Stack == "K8sLab-cheap-Network"); // the NAT instance
    }

    [Fact]
    public void ImdsV2_with_hop_limit_one_on_every_instance()
    {
        Assert.Empty(environments.Violations(SecurityRules.ImdsV2WithHopLimitOne));
        var optional = Broken(Dev, "K8sLab-dev-Nodes", t => First(t, "AWS::EC2::LaunchTemplate")["Properties"]!["LaunchTemplateData"]!["MetadataOptions"]!["HttpTokens"] = "optional");
        Assert.Contains(SecurityRules.ImdsV2WithHopLimitOne(optional), v => v.Contains("IMDSv2 is not required"));
        var twoHops = Broken(Cheap, "K8sLab-cheap-Network", t => First(t, "AWS::EC2::LaunchTemplate")["Properties"]!["LaunchTemplateData"]!["MetadataOptions"]!["HttpPutResponseHopLimit"] = 2);
        Assert.Contains(SecurityRules.ImdsV2WithHopLimitOne(twoHops), v => v.Contains("hop limit"));
    }

    [Fact]
    public void Every_volume_encrypted_through_explicit_mappings()
    {
        Assert.Empty(environments.Violations(SecurityRules.EbsEncrypted));
        var plain = Broken(Dev, "K8sLab-dev-Bastion", t => First(t, "AWS::EC2::Instance")["Properties"]!["BlockDeviceMappings"]![0]!["Ebs"]!["Encrypted"] = false);
        Assert.Contains(SecurityRules.EbsEncrypted(plain), v => v.Contains("is not encrypted"));
        var implicitRoot = Broken(Cheap, "K8sLab-cheap-Network", t => First(t, "AWS::EC2::Instance")["Properties"]!.AsObject().Remove("BlockDeviceMappings"));
        Assert.Contains(SecurityRules.EbsEncrypted(implicitRoot), v => v.Contains("no explicit block device mapping"));
    }

    [Fact]
    public void No_ingress_from_anywhere()
    {
        Assert.Empty(environments.Violations(a => SecurityRules.NoIngressFromAnywhere(a)));
        var open = Broken(Dev, "K8sLab-dev-Security", t =>
            First(t, "AWS::EC2::SecurityGroup", g => g["Properties"]!["SecurityGroupIngress"] is not null)["Properties"]!["SecurityGroupIngress"]![0]!["CidrIp"] = "0.0.0.0/0");
        Assert.Single(SecurityRules.NoIngressFromAnywhere(open));
        var openV6 = Broken(Dev, "K8sLab-dev-Security", t => Add(t, "OpenV6", JsonNode.Parse("""
            {"Type":"AWS::EC2::SecurityGroupIngress","Properties":{"IpProtocol":"tcp","FromPort":443,"ToPort":443,"CidrIpv6":"::/0","GroupId":"sg-1","Description":"x"}}
            """)!));
        Assert.Single(SecurityRules.NoIngressFromAnywhere(openV6));
    }

    [Fact]
    public void An_explicit_opt_in_opens_only_the_bastions_ssh_and_warns()
    {
        var config = Environments.With("test", ("cidr: 198.18.0.10/32", "cidr: 0.0.0.0/0\n  allowAnyAddress: true"));
        var optedIn = Synth.Lab(config);
        Assert.Single(SecurityRules.NoIngressFromAnywhere(optedIn));
        Assert.Empty(SecurityRules.NoIngressFromAnywhere(optedIn, adminAnywhereOptIn: true));
        var warning = Assert.Single(Summary.SynthSummary.Warnings(config));
        Assert.Contains("0.0.0.0/0", warning);
        Assert.Empty(Summary.SynthSummary.Warnings(Environments.With()));
    }

    [Fact]
    public void A_documentation_range_in_admin_cidr_warns_at_synth_and_a_rule_refuses_the_deploy()
    {
        var config = Environments.With("test", ("cidr: 198.18.0.10/32", "cidr: 203.0.113.10/32"));
        var warning = Assert.Single(Summary.SynthSummary.Warnings(config));
        Assert.StartsWith("environments/test.yaml: admin.cidr 203.0.113.10/32 is a documentation range", warning);
        Assert.Contains(AdminAccess.OwnAddressCommand, warning);

        // Every stack carries the rule, so CloudFormation refuses before it creates anything, the bastion included.
        var refused = Synth.Lab(config);
        Assert.All(refused.All, t =>
        {
            var assertion = t.Template["Rules"]![K8sLab.Security.AdminAddressGuard.RuleId]!["Assertions"]![0]!;
            Assert.Equal("""{"Fn::Not":[{"Fn::Contains":[["203.0.113.10/32"],{"Ref":"AdminCidr"}]}]}""", assertion["Assert"]!.ToJsonString());
            Assert.StartsWith("environments/test.yaml: admin.cidr 203.0.113.10/32", assertion["AssertDescription"]!.GetValue<string>());
            Assert.Equal("203.0.113.10/32", t.Template["Parameters"]![K8sLab.Security.AdminAddressGuard.ParameterId]!["Default"]!.GetValue<string>());
        });
        // Anyone's own address: no rule, no parameter.
        Assert.All(Synth.Lab(Environments.With()).All, t =>
            Assert.Null(t.Template["Rules"]?[K8sLab.Security.AdminAddressGuard.RuleId]));
    }

    [Fact]
    public void No_ingress_on_every_protocol()
    {
        Assert.Empty(environments.Violations(SecurityRules.NoAllProtocolIngress));
        var all = Broken(Dev, "K8sLab-dev-Security", t => Add(t, "AllTraffic", JsonNode.Parse("""
            {"Type":"AWS::EC2::SecurityGroupIngress","Properties":{"IpProtocol":"-1","CidrIp":"10.0.0.0/8","GroupId":"sg-1","Description":"everything"}}
            """)!));
        Assert.Single(SecurityRules.NoAllProtocolIngress(all));
    }

    [Fact]
    public void A_description_on_every_rule()
    {
        Assert.Empty(environments.Violations(SecurityRules.RulesDescribed));
        var bare = Broken(Dev, "K8sLab-dev-Security", t => First(t, "AWS::EC2::SecurityGroupIngress")["Properties"]!.AsObject().Remove("Description"));
        Assert.Single(SecurityRules.RulesDescribed(bare));
    }

    [Fact]
    public void Ssh_to_nodes_only_from_the_bastion()
    {
        Assert.Empty(environments.Violations(SecurityRules.NodeSshOnlyFromBastion));
        var fromWorkers = Broken(Dev, "K8sLab-dev-Security", t =>
            First(t, "AWS::EC2::SecurityGroupIngress", r => r["Properties"]!["FromPort"]!.GetValue<int>() == 22)["Properties"]!["SourceSecurityGroupId"] = Ref(t, "WorkerGroup"));
        Assert.Single(SecurityRules.NodeSshOnlyFromBastion(fromWorkers));
    }

    [Fact]
    public void The_api_only_from_nodes_and_the_bastion()
    {
        Assert.Empty(environments.Violations(SecurityRules.ApiOnlyFromNodesAndBastion));
        var fromVpc = Broken(Dev, "K8sLab-dev-Security", t => Add(t, "ApiFromVpc", new JsonObject
        {
            ["Type"] = "AWS::EC2::SecurityGroupIngress",
            ["Properties"] = new JsonObject { ["IpProtocol"] = "tcp", ["FromPort"] = 6443, ["ToPort"] = 6443, ["CidrIp"] = "10.0.0.0/8", ["GroupId"] = Ref(t, "ControlPlaneGroup"), ["Description"] = "x" },
        }));
        Assert.Single(SecurityRules.ApiOnlyFromNodesAndBastion(fromVpc));
    }

    [Fact]
    public void Etcd_only_among_control_plane_nodes()
    {
        Assert.Empty(environments.Violations(SecurityRules.EtcdOnlyAmongControlPlane));
        var fromWorkers = Broken(Dev, "K8sLab-dev-Security", t =>
            First(t, "AWS::EC2::SecurityGroupIngress", r => r["Properties"]!["FromPort"]!.GetValue<int>() == 2379)["Properties"]!["SourceSecurityGroupId"] = Ref(t, "WorkerGroup"));
        Assert.Single(SecurityRules.EtcdOnlyAmongControlPlane(fromWorkers));
    }

    [Fact]
    public void Each_network_plugins_ports_are_open_between_nodes_and_none_of_the_other_plugins()
    {
        foreach (var (name, app) in environments.ByName)
            Assert.Empty(SecurityRules.NetworkPluginPortsOnly(app, EnvironmentFiles.Load(Repo.EnvironmentsFolder, name).Kubernetes.NetworkPlugin.Name()));

        var labs = PluginLabs.Value;
        foreach (var (plugin, lab) in labs)
            Assert.Empty(SecurityRules.NetworkPluginPortsOnly(lab, plugin.Name()));

        // A calico lab read as cilium's: cilium's three ports are missing between the 4 pairs of groups, and calico's VXLAN is open.
        var asCilium = SecurityRules.NetworkPluginPortsOnly(labs[NetworkPlugin.Calico], "cilium").ToList();
        Assert.Equal(12, asCilium.Count(v => v.Contains("is not open from")));
        Assert.Equal(4, asCilium.Count(v => v.Contains("udp 4789-4789") && v.EndsWith("another network plugin's port, not cilium's")));
        // flannel shares cilium's VXLAN port, nothing else.
        Assert.Equal(8, SecurityRules.NetworkPluginPortsOnly(labs[NetworkPlugin.Flannel], "cilium").Count());

        // Another plugin's port, in either stack: in the Security stack beside the groups, or in the
        // Nodes stack as a copy of one of its own plugin rules (which names the groups by import).
        var inSecurity = Broken(labs[NetworkPlugin.Cilium], "K8sLab-test-Security", t => Add(t, "CalicoVxlan", CalicoVxlan(Ref(t, "WorkerGroup"))));
        Assert.Contains("another network plugin's port, not cilium's", Assert.Single(SecurityRules.NetworkPluginPortsOnly(inSecurity, "cilium")));
        var inNodes = Broken(labs[NetworkPlugin.Cilium], "K8sLab-test-Nodes", t => Add(t, "CalicoVxlan",
            CalicoVxlan(First(t, "AWS::EC2::SecurityGroupIngress")["Properties"]!["GroupId"]!.DeepClone())));
        Assert.Contains("another network plugin's port, not cilium's", Assert.Single(SecurityRules.NetworkPluginPortsOnly(inNodes, "cilium")));
        var withoutOnePair = Broken(labs[NetworkPlugin.Flannel], "K8sLab-test-Nodes", t => t["Resources"]!.AsObject().Remove(
            t["Resources"]!.AsObject().First(r => r.Value!["Properties"]?["FromPort"]?.GetValue<int>() == 8472).Key));
        Assert.Contains("is not open from", Assert.Single(SecurityRules.NetworkPluginPortsOnly(withoutOnePair, "flannel")));
    }

    /// <summary>One test lab per network plugin, the same but for kubernetes.networkPlugin; synthesized once.</summary>
    private static readonly Lazy<Dictionary<NetworkPlugin, Synthesized>> PluginLabs = new(() =>
        NetworkPlugins.All.ToDictionary(p => p, p => Synth.Lab(Environments.With("test",
            ("count: 2\n  instanceType: t3.medium", $"count: 2\n  instanceType: t3.medium\nkubernetes:\n  networkPlugin: {p.Name()}")))));

    /// <summary>calico's VXLAN rule to and from <paramref name="group"/> (a GetAtt or an import of its ID).</summary>
    private static JsonObject CalicoVxlan(JsonNode group) => new()
    {
        ["Type"] = "AWS::EC2::SecurityGroupIngress",
        ["Properties"] = new JsonObject { ["IpProtocol"] = "udp", ["FromPort"] = 4789, ["ToPort"] = 4789, ["SourceSecurityGroupId"] = group.DeepClone(), ["GroupId"] = group.DeepClone(), ["Description"] = "x" },
    };

    /// <summary>
    /// What templates can show of a refused plugin change: the Security stack, which deploys before the
    /// convergence and does not roll back with it, is the same for every plugin; the plugin's rules are
    /// the Nodes stack's, and its convergence waits for them, so they roll back with its refusal.
    /// </summary>
    [Fact]
    public void A_plugin_change_the_convergence_refuses_rolls_back_with_its_port_rules()
    {
        Assert.Empty(environments.Violations(SecurityRules.PluginRulesRollBackWithTheConvergence));
        var labs = PluginLabs.Value;
        var calico = labs[NetworkPlugin.Calico];
        foreach (var (plugin, lab) in labs)
        {
            Assert.Empty(SecurityRules.PluginRulesRollBackWithTheConvergence(lab));
            Assert.Equal(calico.Texts["K8sLab-test-Security"], lab.Texts["K8sLab-test-Security"]);
            Assert.Equal(PortRules.Plugin(plugin).Count, lab.Resources("AWS::EC2::SecurityGroupIngress").Count(r => r.Stack == "K8sLab-test-Nodes"));
        }

        // A plugin rule back in the Security stack (as before), or one the wait or the header does not wait for.
        var inSecurity = Broken(calico, "K8sLab-test-Security", t => Add(t, "CalicoVxlan", CalicoVxlan(Ref(t, "WorkerGroup"))));
        Assert.Contains("outside the Nodes stack", Assert.Single(SecurityRules.PluginRulesRollBackWithTheConvergence(inSecurity)));
        Assert.NotEqual(calico.Texts["K8sLab-test-Security"], inSecurity.Texts["K8sLab-test-Security"]);
        var waitOnly = Broken(calico, "K8sLab-test-Nodes", t =>
            First(t, "AWS::CloudFormation::WaitCondition")["DependsOn"] = new JsonArray("ConvergeRequest"));
        Assert.Equal(4, SecurityRules.PluginRulesRollBackWithTheConvergence(waitOnly).Count(v => v.Contains("/Converged") && v.Contains("does not depend on the plugin rule")));
        var headerOnly = Broken(calico, "K8sLab-test-Nodes", t =>
            t["Resources"]!["ConvergeRequest"]!["DependsOn"] = new JsonArray("ConvergeRequestPart1"));
        Assert.Equal(4, SecurityRules.PluginRulesRollBackWithTheConvergence(headerOnly).Count(v => v.Contains("/ConvergeRequest: does not depend")));
    }

    [Fact]
    public void Flow_logs_on_every_vpc()
    {
        Assert.Empty(environments.Violations(SecurityRules.FlowLogsOn));
        Assert.Single(SecurityRules.FlowLogsOn(Broken(Dev, "K8sLab-dev-Network", t => Remove(t, "AWS::EC2::FlowLog"))));
    }

    [Fact]
    public void The_default_security_group_is_closed()
    {
        Assert.Empty(environments.Violations(SecurityRules.DefaultSecurityGroupClosed));
        Assert.Single(SecurityRules.DefaultSecurityGroupClosed(Broken(Dev, "K8sLab-dev-Network", t => Remove(t, "Custom::VpcRestrictDefaultSG"))));
    }

    [Fact]
    public void No_public_ip_on_any_node()
    {
        Assert.Empty(environments.Violations(SecurityRules.NoPublicIpOnNodes));
        var exposed = Broken(Dev, "K8sLab-dev-Nodes", t => First(t, "AWS::EC2::Instance")["Properties"]!["NetworkInterfaces"]![0]!["AssociatePublicIpAddress"] = true);
        Assert.Single(SecurityRules.NoPublicIpOnNodes(exposed));
    }

    [Fact]
    public void No_subnet_maps_public_ips_on_launch()
    {
        Assert.Empty(environments.Violations(SecurityRules.NoPublicIpMappedOnLaunch));
        var mapping = Broken(Dev, "K8sLab-dev-Network", t => First(t, "AWS::EC2::Subnet")["Properties"]!["MapPublicIpOnLaunch"] = true);
        Assert.Single(SecurityRules.NoPublicIpMappedOnLaunch(mapping));
    }

    [Fact]
    public void The_bastion_and_the_nat_instance_ask_for_their_public_address_at_launch()
    {
        Assert.Empty(environments.Violations(SecurityRules.PublicHostsAskForTheirAddress));
        Assert.Equal(2, Cheap.Resources("AWS::EC2::Instance").Count(r => r.Stack is "K8sLab-cheap-Network" or "K8sLab-cheap-Bastion"));
        var silent = Broken(Cheap, "K8sLab-cheap-Network", t => First(t, "AWS::EC2::Instance")["Properties"]!["NetworkInterfaces"]![0]!.AsObject().Remove("AssociatePublicIpAddress"));
        Assert.Single(SecurityRules.PublicHostsAskForTheirAddress(silent));
        // It boots only once its subnet routes to the internet gateway: the first boot installs packages.
        var nat = Cheap.Resources("AWS::EC2::Instance").Single(r => r.Stack == "K8sLab-cheap-Network").Resource;
        Assert.Contains(nat["DependsOn"]!.AsArray(), d => d!.GetValue<string>().StartsWith("VpcpublicSubnet1DefaultRoute", StringComparison.Ordinal));
    }

    [Fact]
    public void Iam_without_wildcard_actions_and_star_resources_only_where_unavoidable()
    {
        Assert.Empty(environments.Violations(SecurityRules.LeastPrivilegeIam));
        var wide = Broken(Dev, "K8sLab-dev-Security", t =>
            First(t, "AWS::IAM::Policy")["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray().Add(JsonNode.Parse("""
                {"Effect":"Allow","Action":["ec2:*","s3:GetObject"],"Resource":"*"}
                """)));
        var violations = SecurityRules.LeastPrivilegeIam(wide).ToList();
        Assert.Contains(violations, v => v.Contains("wildcard action ec2:*"));
        Assert.Contains(violations, v => v.Contains("s3:GetObject on resource \"*\""));
    }

    [Fact]
    public void The_snapshot_bucket_is_private_to_the_bastion()
    {
        Assert.Empty(environments.Violations(SecurityRules.SnapshotBucketPrivateToTheBastion));
        Assert.Single(Dev.Resources("AWS::S3::Bucket"));
        var open = Broken(Dev, "K8sLab-dev-Security", t =>
        {
            var bucket = First(t, "AWS::S3::Bucket")["Properties"]!.AsObject();
            bucket["PublicAccessBlockConfiguration"]!["RestrictPublicBuckets"] = false;
            bucket["VersioningConfiguration"] = new JsonObject { ["Status"] = "Enabled" };
            bucket.Remove("BucketEncryption");
            bucket.Remove("LifecycleConfiguration");
            var node = First(t, "AWS::IAM::Policy", p => Json.References(p["Properties"]!["Roles"]).Any(r => r.StartsWith("NodeRole", StringComparison.Ordinal)));
            var name = t["Resources"]!.AsObject().First(r => r.Value!["Type"]!.GetValue<string>() == "AWS::S3::Bucket").Key;
            node["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray().Add(new JsonObject
            {
                ["Effect"] = "Allow", ["Action"] = "s3:GetObject",
                ["Resource"] = new JsonObject { ["Fn::Join"] = new JsonArray("", new JsonArray(new JsonObject { ["Fn::GetAtt"] = new JsonArray(name, "Arn") }, "/*")) },
            });
            foreach (var policy in t["Resources"]!.AsObject().Where(r => r.Value!["Type"]!.GetValue<string>() == "AWS::S3::BucketPolicy").Select(r => r.Key).ToList())
                t["Resources"]!.AsObject().Remove(policy);
        });
        var violations = SecurityRules.SnapshotBucketPrivateToTheBastion(open).ToList();
        foreach (var expected in new[] { "RestrictPublicBuckets is not on", "no default encryption", "keeps versions", "no lifecycle rule", "without TLS", "role NodeRole" })
            Assert.Contains(violations, v => v.Contains(expected));
    }

    [Fact]
    public void Instance_roles_carry_no_managed_policy()
    {
        Assert.Empty(environments.Violations(SecurityRules.InstanceRolesWithoutManagedPolicies));
        var managed = Broken(Dev, "K8sLab-dev-Security", t =>
            First(t, "AWS::IAM::Role", r => r["Properties"]!["AssumeRolePolicyDocument"]!.ToJsonString().Contains("ec2.amazonaws.com"))["Properties"]!["ManagedPolicyArns"] =
                new JsonArray("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"));
        Assert.Single(SecurityRules.InstanceRolesWithoutManagedPolicies(managed));
    }

    [Theory]
    [InlineData("-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXktdjEAAAAA\\n")]
    [InlineData("export AWS_ACCESS_KEY_ID=AKIAEXAMPLEEXAMPLE12")]
    [InlineData("aws_secret_access_key = wJalrXUtnFEMIEXAMPLEKEY")]
    [InlineData("password: hunter2hunter2")]
    public void No_secrets_in_user_data(string secret)
    {
        Assert.Empty(environments.Violations(SecurityRules.NoSecretsInUserData));
        var leaky = Broken(Dev, "K8sLab-dev-Nodes", t =>
        {
            var userData = First(t, "AWS::EC2::LaunchTemplate")["Properties"]!["LaunchTemplateData"]!["UserData"]!.AsObject();
            userData["Fn::Base64"] = userData["Fn::Base64"]!.GetValue<string>() + "runcmd:\n- echo " + System.Text.RegularExpressions.Regex.Unescape(secret) + "\n";
        });
        Assert.NotEmpty(SecurityRules.NoSecretsInUserData(leaky));
    }

    [Fact]
    public void User_data_plain_cloud_config_within_8_KB()
    {
        Assert.Empty(environments.Violations(SecurityRules.UserDataPlainWithinBudget));
        var large = Broken(Dev, "K8sLab-dev-Nodes", t =>
            First(t, "AWS::EC2::LaunchTemplate")["Properties"]!["LaunchTemplateData"]!["UserData"]!["Fn::Base64"] = "#cloud-config\n#" + new string('x', 8200));
        Assert.Contains(SecurityRules.UserDataPlainWithinBudget(large), v => v.Contains("over the budget of 8192"));
        // What the bastion's document used to be: gzipped, as a literal base64 value.
        var packed = Broken(Dev, "K8sLab-dev-Bastion", t =>
            First(t, "AWS::EC2::LaunchTemplate")["Properties"]!["LaunchTemplateData"]!["UserData"] = Convert.ToBase64String(new byte[] { 0x1f, 0x8b, 8, 0 }));
        Assert.Contains(SecurityRules.UserDataPlainWithinBudget(packed), v => v.Contains("not plain text"));
        var script = Broken(Dev, "K8sLab-dev-Nodes", t =>
            First(t, "AWS::EC2::LaunchTemplate")["Properties"]!["LaunchTemplateData"]!["UserData"]!["Fn::Base64"] = "#!/bin/sh\necho hi\n");
        Assert.Contains(SecurityRules.UserDataPlainWithinBudget(script), v => v.Contains("not a cloud-config document"));
    }

    [Fact]
    public void The_kubeconfig_parameter_is_read_by_no_instance_role()
    {
        Assert.Empty(environments.Violations(SecurityRules.KubeconfigReadByNoInstance));
        var nodeReads = Broken(Dev, "K8sLab-dev-Security", t => Statements(PolicyOf(t, "NodeRole")).Add(new JsonObject
        {
            ["Effect"] = "Allow", ["Action"] = "ssm:GetParameter", ["Resource"] = ParameterArn("/k8slab/dev/kubeconfig"),
        }));
        Assert.Contains(SecurityRules.KubeconfigReadByNoInstance(nodeReads), v => v.Contains("NodeRole") && v.Contains("may read /k8slab/dev/kubeconfig (ssm:GetParameter)"));
        // The bastion's read of the request widened to the environment's path takes the kubeconfig in.
        var bastionReadsPath = Broken(Dev, "K8sLab-dev-Security", t => Statement(PolicyOf(t, "BastionRole"), "ReadConvergeRequest")["Resource"] = ParameterArn("/k8slab/dev/*"));
        Assert.Single(SecurityRules.KubeconfigReadByNoInstance(bastionReadsPath), v => v.Contains("BastionRole") && v.Contains("ssm:GetParameter, ssm:GetParameters"));
        var everything = Broken(Cheap, "K8sLab-cheap-Security", t => Statements(PolicyOf(t, "NodeRole")).Add(new JsonObject
        {
            ["Effect"] = "Allow", ["Action"] = "ssm:Get*", ["Resource"] = "*",
        }));
        Assert.Single(SecurityRules.KubeconfigReadByNoInstance(everything), v => v.Contains("may read /k8slab/cheap/kubeconfig"));
    }

    [Fact]
    public void Only_the_bastion_writes_the_kubeconfig_parameter_and_no_other()
    {
        Assert.Empty(environments.Violations(SecurityRules.KubeconfigWrittenOnlyByTheBastion));
        var wider = Broken(Dev, "K8sLab-dev-Security", t => Statement(PolicyOf(t, "BastionRole"), "StoreKubeconfig")["Resource"] = ParameterArn("/k8slab/dev/*"));
        Assert.Contains(SecurityRules.KubeconfigWrittenOnlyByTheBastion(wider), v => v.Contains("not only /k8slab/dev/kubeconfig"));
        var nodeWrites = Broken(Dev, "K8sLab-dev-Security", t => Statements(PolicyOf(t, "NodeRole")).Add(new JsonObject
        {
            ["Effect"] = "Allow", ["Action"] = "ssm:Put*", ["Resource"] = ParameterArn("/k8slab/dev/kubeconfig"),
        }));
        Assert.Single(SecurityRules.KubeconfigWrittenOnlyByTheBastion(nodeWrites), v => v.Contains("NodeRole") && v.Contains("may write SSM parameters"));
        var none = Broken(Dev, "K8sLab-dev-Security", t =>
        {
            var policy = PolicyOf(t, "BastionRole");
            Statements(policy).Remove(Statement(policy, "StoreKubeconfig"));
        });
        Assert.Single(SecurityRules.KubeconfigWrittenOnlyByTheBastion(none), v => v.Contains("the kubeconfig would never reach SSM"));
    }

    [Fact]
    public void No_cluster_credentials_in_templates_outputs_or_user_data()
    {
        Assert.Empty(environments.Violations(SecurityRules.NoCredentialsInTemplates));
        var asResource = Broken(Dev, "K8sLab-dev-Nodes", t => Add(t, "Kubeconfig", JsonNode.Parse("""
            {"Type":"AWS::SSM::Parameter","Properties":{"Name":"/k8slab/dev/kubeconfig","Type":"String","Value":"example"}}
            """)!));
        Assert.Single(SecurityRules.NoCredentialsInTemplates(asResource), v => v.Contains("the kubeconfig parameter is a template resource"));
        // "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo=" is base64 of a PEM header line, no key.
        var inOutput = Broken(Dev, "K8sLab-dev-Bastion", t => t["Outputs"]!.AsObject()["Kubeconfig"] = JsonNode.Parse("""
            {"Value":"client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo="}
            """));
        Assert.Single(SecurityRules.NoCredentialsInTemplates(inOutput), v => v.Contains("K8sLab-dev-Bastion: template holds a kubeconfig credential"));
        var inUserData = Broken(Dev, "K8sLab-dev-Nodes", t =>
        {
            var userData = First(t, "AWS::EC2::LaunchTemplate")["Properties"]!["LaunchTemplateData"]!["UserData"]!.AsObject();
            userData["Fn::Base64"] = userData["Fn::Base64"]!.GetValue<string>() + "write_files:\n- path: /root/admin.conf\n  content: 'certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=='\n";
        });
        Assert.Contains(SecurityRules.NoCredentialsInTemplates(inUserData), v => v.Contains("user data of") && v.Contains("holds a kubeconfig credential"));
    }

    [Fact]
    public void Spot_requests_cancelled_only_in_their_environment()
    {
        Assert.Empty(environments.Violations(SecurityRules.SpotRequestsCancelledOnlyInTheirEnvironment));
        // The spot lab's launch templates do tag their requests, and the rule checked those tags.
        Assert.Contains("\"spot-instances-request\"", Spot.Texts["K8sLab-spot-Nodes"]);
        var unconditioned = Broken(Spot, "K8sLab-spot-Security", t => Statement(PolicyOf(t, "BastionRole"), "CancelSpotRequestsOfRemovedNodes").Remove("Condition"));
        Assert.Contains(SecurityRules.SpotRequestsCancelledOnlyInTheirEnvironment(unconditioned), v => v.Contains("not limited to requests tagged Name=K8sLab-spot-Nodes/* (got no condition)"));
        var otherLab = Broken(Spot, "K8sLab-spot-Security", t =>
            Statement(PolicyOf(t, "BastionRole"), "CancelSpotRequestsOfRemovedNodes")["Condition"]!["StringLike"]!["aws:ResourceTag/Name"] = "K8sLab-*");
        Assert.Contains(SecurityRules.SpotRequestsCancelledOnlyInTheirEnvironment(otherLab), v => v.Contains("(got K8sLab-*)"));
        var untagged = Broken(Spot, "K8sLab-spot-Nodes", t =>
        {
            foreach (var spec in First(t, "AWS::EC2::LaunchTemplate", lt => lt.ToJsonString().Contains("spot-instances-request"))["Properties"]!["LaunchTemplateData"]!["TagSpecifications"]!.AsArray())
                if (spec!["ResourceType"]!.GetValue<string>() == "spot-instances-request") spec["Tags"]![0]!["Value"] = "elsewhere/Template";
        });
        Assert.Single(SecurityRules.SpotRequestsCancelledOnlyInTheirEnvironment(untagged), v => v.Contains("is outside what the bastion may cancel (K8sLab-spot-Nodes/*)"));
        var nodeCancels = Broken(Spot, "K8sLab-spot-Security", t => Statements(PolicyOf(t, "NodeRole")).Add(new JsonObject
        {
            ["Effect"] = "Allow", ["Action"] = "ec2:CancelSpot*", ["Resource"] = "*",
        }));
        Assert.Single(SecurityRules.SpotRequestsCancelledOnlyInTheirEnvironment(nodeCancels), v => v.Contains("NodeRole") && v.Contains("may cancel spot requests"));
    }

    [Fact]
    public void The_traps_hold_on_every_environment_file()
    {
        Assert.Empty(environments.Violations(TemplateRules.ExportsCarryNoInstanceAttribute));
        Assert.Empty(environments.Violations(TemplateRules.UserDataIsSelfContained));
        Assert.Empty(environments.Violations(TemplateRules.NoFixedPrivateIp));
        Assert.Empty(environments.Violations(TemplateRules.ImagesArePinned));
        Assert.Empty(environments.Violations(TemplateRules.ReplacementFollowsUserData));
        Assert.Empty(environments.Violations(TemplateRules.FingerprintTagsMatch));
    }
}
