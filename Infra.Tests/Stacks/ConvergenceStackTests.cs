using System.Text.Json;
using System.Text.Json.Nodes;
using K8sLab.Configuration;
using K8sLab.Convergence;
using K8sLab.Tests.Rules;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Stacks;

/// <summary>The Nodes stack's side of convergence: the request, the wait, and when they change.</summary>
[Collection(CdkCollection.Name)]
[Trait("Uses", "jsii")]
public class ConvergenceStackTests
{
    private static JsonObject Resources(Synthesized s) => s.Template("K8sLab-test-Nodes")["Resources"]!.AsObject();

    private static string WaitId(Synthesized s) =>
        Assert.Single(Resources(s), r => r.Value!["Type"]!.GetValue<string>() == "AWS::CloudFormation::WaitCondition").Key;

    /// <summary>A Fn::Join value as CloudFormation would resolve it, with example IDs for the Refs.</summary>
    private static string Resolve(JsonNode value, Func<string, string> reference)
    {
        var join = value["Fn::Join"]!.AsArray()[1]!.AsArray();
        return string.Concat(join.Select(p => p is JsonValue v ? v.GetValue<string>()
            : p!["Fn::ImportValue"] is not null ? K8sLab.Tests.Convergence.RequestDocuments.ExampleBucket // the Security stack's bucket name
            : reference(p["Ref"]!.GetValue<string>())));
    }

    private static string ExampleInstanceId(string logicalId) =>
        "i-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(logicalId)))[..17];

    [Fact]
    public void The_deploy_waits_for_a_request_written_after_every_node_exists()
    {
        var lab = Synth.Lab(Environments.With());
        var resources = Resources(lab);
        var header = resources["ConvergeRequest"]!;
        var part = resources["ConvergeRequestPart1"]!;
        Assert.Equal("/k8slab/test/converge-request", header["Properties"]!["Name"]!.GetValue<string>());
        Assert.Equal("/k8slab/test/converge-request-1", part["Properties"]!["Name"]!.GetValue<string>());
        Assert.All(new[] { header, part }, p => Assert.Equal("Standard", p["Properties"]!["Tier"]!.GetValue<string>()));
        var instances = lab.Resources("AWS::EC2::Instance").Where(r => r.Stack == "K8sLab-test-Nodes").Select(r => r.LogicalId).Order().ToList();
        // After its parts, and after the network plugin's port rules (the bastion starts once the header changes).
        var pluginRules = resources.Where(r => r.Value!["Type"]!.GetValue<string>() == "AWS::EC2::SecurityGroupIngress").Select(r => r.Key).ToList();
        Assert.Equal(4, pluginRules.Count);
        Assert.Equal(pluginRules.Prepend("ConvergeRequestPart1"), header["DependsOn"]!.AsArray().Select(d => d!.GetValue<string>()));
        // Each node by its instance's Ref: the request names the exact instance generation, and is
        // written once every node exists.
        Assert.Equal(instances, Json.References(part["Properties"]!["Value"]).Order());

        var wait = resources[WaitId(lab)]!;
        Assert.Equal($"{(int)ScaleLimits.WaitTimeout(Environments.With()).TotalSeconds}", wait["Properties"]!["Timeout"]!.GetValue<string>());
        Assert.Equal(pluginRules.Prepend("ConvergeRequest"), wait["DependsOn"]!.AsArray().Select(d => d!.GetValue<string>()));
        var handle = Json.References(wait["Properties"]!["Handle"]).Single();
        Assert.StartsWith("ConvergeSignal", handle);
        // The request carries the handle's URL by reference: no URL, no secret in the template.
        Assert.Equal(new[] { handle }, Json.References(header["Properties"]!["Value"]));
        // The bastion may read exactly these parameters (the Security stack names them in advance).
        Assert.Equal(new[] { "/k8slab/test/converge-request", "/k8slab/test/converge-request-1" },
            ClusterConvergence.ParameterNames(Environments.With()));
    }

    /// <summary>
    /// A plugin rule's logical ID names its groups, protocol and ports, not its plugin: EC2 refuses a
    /// second identical rule, which a new ID for the same rule would create before deleting the old one.
    /// </summary>
    [Fact]
    public void Plugin_rules_two_plugins_share_keep_their_resource_across_a_change_between_them()
    {
        IReadOnlyList<string> Ids(K8sLab.Cluster.NetworkPlugin plugin) => K8sLab.Cluster.PortRules.Plugin(plugin).Select(K8sLab.Nodes.NodesStack.PluginRuleId).ToList();
        foreach (var plugin in K8sLab.Cluster.NetworkPlugins.All)
            Assert.Equal(Ids(plugin).Count, Ids(plugin).Distinct().Count());
        // cilium's and flannel's VXLAN (UDP 8472) are the same four rules, under the same IDs; calico's differ.
        var shared = Ids(K8sLab.Cluster.NetworkPlugin.Cilium).Intersect(Ids(K8sLab.Cluster.NetworkPlugin.Flannel)).ToList();
        Assert.Equal(Ids(K8sLab.Cluster.NetworkPlugin.Flannel), shared);
        Assert.All(shared, id => Assert.EndsWith("Udp8472", id));
        Assert.Empty(Ids(K8sLab.Cluster.NetworkPlugin.Calico).Intersect(shared));
        Assert.Contains("PluginPortWorkerFromControlPlaneIcmpType8", Ids(K8sLab.Cluster.NetworkPlugin.Cilium));
    }

    [Fact]
    public void The_security_stack_names_as_many_parts_as_the_nodes_stack_writes()
    {
        var config = Environments.With("test", ("count: 2\n  instanceType: t3.medium", "count: 300\n  instanceType: t3.medium\nconvergence:\n  maxSurge: 10\nkubernetes:\n  podCidr: 10.64.0.0/14"),
            ("instanceType: t3.small", "instanceType: t3.large"));
        var written = Synth.Lab(config).Resources("AWS::SSM::Parameter").Select(r => r.Resource["Properties"]!["Name"]!.GetValue<string>()).Order();
        Assert.Equal(written, ClusterConvergence.ParameterNames(config).Order());
        Assert.True(ClusterConvergence.ParameterNames(config).Count > 3);
    }

    [Fact]
    public void The_bastions_program_reads_the_request_the_stack_writes()
    {
        var resources = Resources(Synth.Lab(Environments.With()));
        const string url = "https://cloudformation-waitcondition-eu-west-1.s3.amazonaws.com/example";
        string Value(string id) => Resolve(resources[id]!["Properties"]!["Value"]!, r => r.StartsWith("ConvergeSignal") ? url : ExampleInstanceId(r));
        var input = new JsonObject { ["header"] = Value("ConvergeRequest"), ["parts"] = new JsonArray(Value("ConvergeRequestPart1")) };
        var result = Python.Run("-c", """
            import json, sys
            from k8slab_converge.model import parse_request
            doc = json.load(sys.stdin)
            r = parse_request(doc["header"], doc["parts"])
            print(json.dumps({"signal": r.signal, "nodes": [[n.name, n.role, n.instance_id] for n in r.nodes],
                              "kubespray": r.kubespray, "kubernetes": r.kubernetes, "maxSurge": r.max_surge, "forks": r.forks,
                              "podCidr": r.pod_cidr, "nodePrefix": r.node_prefix, "downloadOnce": r.download_once,
                              "snapshots": [r.snapshot_bucket, r.snapshot_hours, r.snapshot_days]}))
            """, stdin: input.ToJsonString());
        Assert.True(result.ExitCode == 0, result.Output);
        var parsed = JsonNode.Parse(result.StdOut)!;
        Assert.Equal(url, parsed["signal"]!.GetValue<string>());
        Assert.Equal(new[] { "cp-1 control-plane", "worker-1 worker", "worker-2 worker" },
            parsed["nodes"]!.AsArray().Select(n => $"{n![0]} {n[1]}"));
        Assert.All(parsed["nodes"]!.AsArray(), n => Assert.Matches("^i-[0-9a-f]{17}$", n![2]!.GetValue<string>()));
        Assert.Equal("v2.31.0 1.35.4 1 5 10.233.64.0/18 24 false",
            $"{parsed["kubespray"]} {parsed["kubernetes"]} {parsed["maxSurge"]} {parsed["forks"]} {parsed["podCidr"]} {parsed["nodePrefix"]} {parsed["downloadOnce"]!.ToJsonString()}");
        Assert.Equal($"[\"{K8sLab.Tests.Convergence.RequestDocuments.ExampleBucket}\",6,7]", parsed["snapshots"]!.ToJsonString());
    }

    /// <summary>The header names the Security stack's snapshot bucket by import: CloudFormation's name, whatever it is.</summary>
    [Fact]
    public void The_request_names_the_snapshot_bucket_of_the_security_stack_and_the_files_snapshot_settings()
    {
        var config = Environments.With("test", ("count: 2\n  instanceType: t3.medium", "count: 2\n  instanceType: t3.medium\nsnapshots:\n  keepDays: 30\n  everyHours: 12"));
        var lab = Synth.Lab(config);
        var join = Resources(lab)["ConvergeRequest"]!["Properties"]!["Value"]!["Fn::Join"]![1]!.AsArray();
        var import = Assert.Single(join, p => p is JsonObject o && o.ContainsKey("Fn::ImportValue"))!["Fn::ImportValue"]!.GetValue<string>();
        var security = lab.Template("K8sLab-test-Security");
        var bucket = Assert.Single(security["Resources"]!.AsObject(), r => r.Value!["Type"]!.GetValue<string>() == "AWS::S3::Bucket").Key;
        Assert.Contains(security["Outputs"]!.AsObject(), o => o.Value!["Export"]?["Name"]?.GetValue<string>() == import && o.Value["Value"]!.ToJsonString() == $"{{\"Ref\":\"{bucket}\"}}");
        var settings = JsonNode.Parse(Resolve(Resources(lab)["ConvergeRequest"]!["Properties"]!["Value"]!, _ => "x"))!["settings"]!;
        Assert.Equal((K8sLab.Tests.Convergence.RequestDocuments.ExampleBucket, 12, 30),
            (settings["snapshotBucket"]!.GetValue<string>(), settings["snapshotHours"]!.GetValue<int>(), settings["snapshotDays"]!.GetValue<int>()));
        var rule = Assert.Single(security["Resources"]![bucket]!["Properties"]!["LifecycleConfiguration"]!["Rules"]!.AsArray())!;
        Assert.Equal(30, rule["ExpirationInDays"]!.GetValue<int>());
    }

    [Fact]
    public void The_wait_is_new_exactly_when_something_that_replaces_or_changes_a_node_changes()
    {
        var same = WaitId(Synth.Lab(Environments.With()));
        Assert.Equal(same, WaitId(Synth.Lab(Environments.With())));
        // A tag changes in place and changes nothing a node runs: no new wait.
        Assert.Equal(same, WaitId(Synth.Lab(Environments.With("test", ("count: 2\n  instanceType: t3.medium", "count: 2\n  instanceType: t3.medium\ntags:\n  team: platform")))));
        foreach (var change in new[]
        {
            ("count: 2\n  instanceType: t3.medium", "count: 3\n  instanceType: t3.medium"),          // the node set
            ("amiId: ami-0123456789abcdef0", "amiId: ami-0fedcba9876543210"),                       // the image
            ("count: 2\n  instanceType: t3.medium", "count: 2\n  instanceType: t3.large"),           // the workers' type (new instances)
            ("count: 2\n  instanceType: t3.medium", "count: 2\n  instanceType: t3.medium\n  generations:\n    worker-2: 1"), // a new generation
            ("count: 2\n  instanceType: t3.medium", "count: 2\n  instanceType: t3.medium\nconvergence:\n  maxSurge: 2"),   // how it rolls
            ("count: 2\n  instanceType: t3.medium", "count: 2\n  instanceType: t3.medium\nsnapshots:\n  everyHours: 12"), // the request's settings
        })
            Assert.NotEqual(same, WaitId(Synth.Lab(Environments.With("test", change))));
    }

    [Fact]
    public void A_change_of_the_kubernetes_section_changes_the_request_and_the_wait_and_no_instance()
    {
        var before = Synth.Lab(Environments.With());
        foreach (var section in new[]
        {
            "version: 1.34.7", "networkPlugin: cilium", "networkPlugin: flannel\n  allowRebuild: true", "serviceCidr: 10.96.0.0/16",
            "podCidr: 10.100.0.0/16\n  nodePrefix: 25", "addons:\n    metricsServer: true", "allowRebuild: true",
        })
        {
            var config = Environments.With("test", ("count: 2\n  instanceType: t3.medium", $"count: 2\n  instanceType: t3.medium\nkubernetes:\n  {section}"));
            var after = Synth.Lab(config);
            // The request carries the new settings and their group variables; the wait is new, so the bastion converges.
            var header = Resources(after)["ConvergeRequest"]!["Properties"]!["Value"]!.ToJsonString();
            Assert.NotEqual(Resources(before)["ConvergeRequest"]!["Properties"]!["Value"]!.ToJsonString(), header);
            var settings = JsonNode.Parse(Resolve(Resources(after)["ConvergeRequest"]!["Properties"]!["Value"]!, _ => "x"))!["settings"]!;
            Assert.Equal(JsonSerializer.Serialize(K8sLab.Cluster.GroupVars.Render(config.Kubernetes)), settings["groupVars"]!.ToJsonString());
            Assert.NotEqual(WaitId(before), WaitId(after));
            // No instance anywhere changes: same logical IDs, same properties, same launch templates (user data).
            foreach (var type in new[] { "AWS::EC2::Instance", "AWS::EC2::LaunchTemplate" })
                Assert.Equal(before.Resources(type).Select(r => $"{r.Stack}/{r.LogicalId} {r.Resource.ToJsonString()}"),
                             after.Resources(type).Select(r => $"{r.Stack}/{r.LogicalId} {r.Resource.ToJsonString()}"));
            Assert.Equal(before.Texts["K8sLab-test-Bastion"], after.Texts["K8sLab-test-Bastion"]);
        }
    }

    [Fact]
    public void The_request_header_carries_the_cluster_settings_the_bastion_reads()
    {
        var config = Environments.With("test", ("count: 2\n  instanceType: t3.medium",
            "count: 2\n  instanceType: t3.medium\nkubernetes:\n  networkPlugin: cilium\n  serviceCidr: 10.96.0.0/16\n  addons:\n    metricsServer: true\n    helm: true\n  allowRebuild: true"));
        var settings = JsonNode.Parse(Resolve(Resources(Synth.Lab(config))["ConvergeRequest"]!["Properties"]!["Value"]!, _ => "x"))!["settings"]!;
        // The JSON with ' for ", to keep it readable here.
        Assert.Equal(("{'kubespray':'v2.31.0','kubernetes':'1.35.4','maxSurge':1,'forks':5,'downloadOnce':false,'podCidr':'10.233.64.0/18','nodePrefix':24,'drainSeconds':300," +
            "'networkPlugin':'cilium','serviceCidr':'10.96.0.0/16','addons':['helm','metricsServer'],'allowRebuild':true,'groupVars':{'kube_version':'1.35.4'," +
            "'kube_network_plugin':'cilium','kube_pods_subnet':'10.233.64.0/18','kube_service_addresses':'10.96.0.0/16','kube_network_node_prefix':24," +
            "'cilium_tunnel_mode':'vxlan','cilium_enable_hubble':false,'cilium_enable_prometheus':false,'cilium_encryption_enabled':false," +
            "'metrics_server_enabled':true,'local_path_provisioner_enabled':false,'helm_enabled':true,'cert_manager_enabled':false}," +
            $"'snapshotBucket':'{K8sLab.Tests.Convergence.RequestDocuments.ExampleBucket}','snapshotHours':6,'snapshotDays':7}}").Replace('\'', '"'),
            settings.ToJsonString());
    }

    [Fact]
    public void A_new_generation_gives_the_node_a_new_instance_and_nothing_else()
    {
        var before = Synth.Lab(Environments.With()).InstanceIdsByNode();
        var after = Synth.Lab(Environments.With("test", ("count: 2\n  instanceType: t3.medium", "count: 2\n  instanceType: t3.medium\n  generations:\n    worker-2: 1")))
            .InstanceIdsByNode();
        Assert.Equal(before["worker-2"] + "G1", after["worker-2"]);
        Assert.Equal(before.Where(n => n.Key != "worker-2"), after.Where(n => n.Key != "worker-2"));
    }

    [Fact]
    public void A_new_instance_type_gives_every_node_of_its_group_a_new_instance_and_nothing_else()
    {
        // An update of InstanceType would stop and start every node of the group at once: a new logical ID
        // instead, so the convergence rolls the new instances in. The fingerprint stays the user data's.
        var baseline = Synth.Lab(Environments.With());
        var before = baseline.InstanceIdsByNode();
        var workers = Synth.Lab(Environments.With("test", ("count: 2\n  instanceType: t3.medium", "count: 2\n  instanceType: t3.large")));
        var after = workers.InstanceIdsByNode();
        Assert.All(new[] { "worker-1", "worker-2" }, w => Assert.NotEqual(before[w], after[w]));
        Assert.Equal(before.Where(n => !n.Key.StartsWith("worker-", StringComparison.Ordinal)), after.Where(n => !n.Key.StartsWith("worker-", StringComparison.Ordinal)));
        Assert.Equal(FingerprintTags(baseline), FingerprintTags(workers));

        var controlPlane = Synth.Lab(Environments.With("test", ("count: 1\n  instanceType: t3.medium", "count: 1\n  instanceType: t3.large"))).InstanceIdsByNode();
        Assert.NotEqual(before["cp-1"], controlPlane["cp-1"]);
        Assert.Equal(before.Where(n => n.Key != "cp-1"), controlPlane.Where(n => n.Key != "cp-1"));
    }

    [Fact]
    public void A_node_on_its_groups_default_type_keeps_the_logical_id_of_its_user_data_alone()
    {
        // The default type stays out of the hash: labs on it keep the IDs they had before the type was part of them.
        var lab = Synth.Lab(Environments.With());
        Assert.All(lab.Resources("AWS::EC2::Instance").Where(r => r.Stack == "K8sLab-test-Nodes"), r =>
            Assert.EndsWith(TemplateRules.CdkUserDataHash((Json.UserData(lab, r.Stack, r.Resource) as JsonValue)!.GetValue<string>()), r.LogicalId));
    }

    private static IEnumerable<string?> FingerprintTags(Synthesized lab) =>
        lab.Resources("AWS::EC2::Instance").Select(r => K8sLab.Preview.ResourceJson.Tag(r.Resource, K8sLab.Tagging.LabTags.Fingerprint));

    [Fact]
    public void The_bastion_may_read_the_request_and_nothing_else_of_ssm_but_the_key()
    {
        var security = Synth.RepositoryEnvironment("dev").Template("K8sLab-dev-Security").ToJsonString();
        Assert.Contains("ReadConvergeRequest", security);
        Assert.Contains(":parameter/k8slab/dev/converge-request\"", security);
        Assert.Contains(":parameter/k8slab/dev/converge-request-1\"", security);
        Assert.DoesNotContain("converge-request*", security);
        Assert.DoesNotContain("converge-request-2", security);
    }
}
