extern alias JsonEverything;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using JsonEverything::Json.Schema;
using K8sLab.Bootstrap;
using K8sLab.Cluster;
using K8sLab.Configuration;
using K8sLab.Contract;
using K8sLab.Convergence;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Convergence;

/// <summary>
/// converge/contract/request.schema.json, the one definition of the convergence request: what the
/// app writes (resolved as CloudFormation would, with example instance IDs and signal URL) against
/// it, and it against the app's own rules, each of which a document breaking it fails.
/// </summary>
public static class RequestDocuments
{
    /// <summary>What CloudFormation puts where the request names the wait condition handle: a presigned https URL.</summary>
    public const string ExampleSignal = "https://cloudformation-waitcondition-eu-west-1.s3.eu-west-1.amazonaws.com/" +
        "arn%3Aaws%3Acloudformation%3Aeu-west-1%3A123456789012%3Astack/K8sLab-dev-Nodes/0a1b2c3d/ConvergeSignal0123456789ab" +
        "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20260101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Expires=86399" +
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260101%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Signature=0a1b2c3d4e5f";

    /// <summary>A name CloudFormation gives the snapshot bucket: the stack's, the construct's and a suffix, in lower case.</summary>
    public const string ExampleBucket = "k8slab-dev-security-snapshotbucket07f3b8c2-0a1b2c3d4e5f";

    /// <summary>The longest name S3 takes, where the header is sized for it.</summary>
    public static readonly string LongestBucket = "k8slab-" + new string('s', ConvergenceRequest.BucketNameBytes - 7);

    /// <summary>The repository's schema file, as the bastion reads it.</summary>
    public static readonly JsonObject Schema = JsonNode.Parse(File.ReadAllText(Repo.PathOf(RequestSchema.File.Split('/'))))!.AsObject();

    private static readonly ConcurrentDictionary<string, JsonSchema> Definitions = new();

    /// <summary>An instance ID for a logical ID: "i-" and 17 hex digits, the longest form, as a Ref resolves.</summary>
    public static string ExampleInstanceId(string logicalId) =>
        "i-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(logicalId)))[..17];

    /// <summary>
    /// A parameter's Fn::Join as CloudFormation resolves it: the signal handle's Ref to the URL, every other Ref to an
    /// instance ID, the import of the Security stack's bucket name to <see cref="ExampleBucket"/>.
    /// </summary>
    public static JsonObject Resolve(JsonNode value)
    {
        var join = value["Fn::Join"]!.AsArray()[1]!.AsArray();
        var text = string.Concat(join.Select(p => p is JsonValue v ? v.GetValue<string>()
            : p!["Fn::ImportValue"] is not null ? ExampleBucket
            : p["Ref"]!.GetValue<string>() is var id && id.StartsWith("ConvergeSignal", StringComparison.Ordinal) ? ExampleSignal : ExampleInstanceId(id)));
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>A value of <see cref="ConvergenceRequest.Parameters"/>, resolved.</summary>
    public static JsonObject Resolve(object value) => Resolve(JsonSerializer.SerializeToNode(value)!);

    /// <summary>Each problem of <paramref name="document"/> as a <c>$defs</c> definition ("header", "part"): instance location, keyword, message.</summary>
    public static IReadOnlyList<string> Problems(string definition, JsonNode? document)
    {
        var schema = Definitions.GetOrAdd(definition, d =>
        {
            var wrapper = Schema.DeepClone().AsObject();
            wrapper["$ref"] = $"#/$defs/{d}";
            return JsonSchema.FromText(wrapper.ToJsonString(), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        });
        var results = schema.Evaluate(JsonSerializer.SerializeToElement(document), new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid) return Array.Empty<string>();
        var problems = (results.Details ?? new List<EvaluationResults>()).Prepend(results)
            .SelectMany(d => (d.Errors ?? new Dictionary<string, string>()).Select(e => $"{d.InstanceLocation} {e.Key}: {e.Value}")).ToList();
        return problems.Count > 0 ? problems : new[] { "(invalid, no message)" };
    }

    /// <summary>The header and parts of a request, resolved.</summary>
    public static (JsonObject Header, IReadOnlyList<JsonObject> Parts) Documents(ConvergenceRequest request) =>
        (Resolve(request.Parameters[0].Value), request.Parameters.Skip(1).Select(p => Resolve(p.Value)).ToList());

    /// <summary>Every node of a cluster, by the app's own names and role tags.</summary>
    public static IReadOnlyList<RequestedNode> Nodes(int controlPlane, int workers) =>
        Enumerable.Range(1, controlPlane).Select(i => new NodeSpec("test", NodeRole.ControlPlane, i))
            .Concat(Enumerable.Range(1, workers).Select(i => new NodeSpec("test", NodeRole.Worker, i)))
            .Select(n => new RequestedNode(n.Name, n.Role == NodeRole.ControlPlane ? LabFacts.ControlPlane.Tag : LabFacts.Worker.Tag,
                $"{n.Role}Node{n.Index}0123456789abcdef"))
            .ToList();
}

/// <summary>What every shipped environment's Nodes stack writes, synthesized (once a run, shared with other tests).</summary>
[Collection(CdkCollection.Name)]
[Trait("Uses", "jsii")]
public class ShippedRequestSchemaTests
{
    public static TheoryData<string> ShippedEnvironments => new(EnvironmentFiles.Available(Repo.EnvironmentsFolder));

    [Theory]
    [MemberData(nameof(ShippedEnvironments))]
    public void Every_shipped_environment_writes_a_request_the_schema_takes(string environment)
    {
        var resources = Synth.RepositoryEnvironment(environment).Template($"K8sLab-{environment}-Nodes")["Resources"]!.AsObject();
        var header = RequestDocuments.Resolve(resources["ConvergeRequest"]!["Properties"]!["Value"]!);
        Assert.Empty(RequestDocuments.Problems("header", header));
        Assert.Equal(RequestSchema.Version, header["schemaVersion"]!.GetValue<int>());

        var parts = Enumerable.Range(1, header["parts"]!.GetValue<int>())
            .Select(i => RequestDocuments.Resolve(resources[$"ConvergeRequestPart{i}"]!["Properties"]!["Value"]!)).ToList();
        Assert.All(parts, part => Assert.Empty(RequestDocuments.Problems("part", part)));
        Assert.All(parts, part => Assert.Equal(header["id"]!.GetValue<string>(), part["id"]!.GetValue<string>()));
        var config = EnvironmentFiles.Load(Repo.EnvironmentsFolder, environment);
        Assert.Equal(config.NodeCount, parts.Sum(p => p.Where(r => r.Key != "id").Sum(r => r.Value!.AsObject().Count)));
    }
}

/// <summary>The schema against the app's rules; pure (no CDK): ConvergenceRequest is built directly.</summary>
public class RequestSchemaTests
{
    private static readonly LabConfig Config = Environments.With();

    /// <summary>A valid request of the default test environment: 1 control-plane node, 2 workers.</summary>
    private static (JsonObject Header, JsonObject Part) Valid()
    {
        var (header, parts) = RequestDocuments.Documents(new ConvergenceRequest("0123456789ab", "ConvergeSignal0123456789ab",
            RequestDocuments.Nodes(1, 2), RequestSettings.For(Config, RequestDocuments.ExampleBucket)));
        return (header, Assert.Single(parts));
    }

    [Fact]
    public void The_largest_lab_the_file_allows_writes_a_request_the_schema_takes()
    {
        var nodes = RequestDocuments.Nodes(EnvironmentFiles.MaxControlPlane, EnvironmentFiles.MaxWorkers);
        foreach (var plugin in NetworkPlugins.All)
        {
            var config = Environments.With("test", ("count: 2\n  instanceType: t3.medium", "count: 2\n  instanceType: t3.medium\nkubernetes:\n" +
                $"  networkPlugin: {plugin.Name()}\n  podCidr: 172.100.128.0/17\n  serviceCidr: 172.101.128.0/17\n  nodePrefix: 25\n  allowRebuild: true\n  addons:\n" +
                string.Join("", Addons.All.Select(a => $"    {a.Key}: true\n"))));
            // The largest settings the file allows, forks for the node count.
            var settings = RequestSettings.For(config, RequestDocuments.LongestBucket) with
            {
                MaxSurge = 100,
                Forks = ScaleLimits.Forks(nodes.Count),
                DownloadOnce = true,
                DrainSeconds = 3600,
                SnapshotHours = SnapshotSettings.MaxEveryHours,
                SnapshotDays = SnapshotSettings.MaxKeepDays,
            };
            var (header, parts) = RequestDocuments.Documents(new ConvergenceRequest("fedcba987654", "ConvergeSignalfedcba987654", nodes, settings));
            Assert.Empty(RequestDocuments.Problems("header", header));
            Assert.All(parts, part => Assert.Empty(RequestDocuments.Problems("part", part)));
            Assert.Equal(nodes.Select(n => n.Name), parts.SelectMany(p => p.Where(r => r.Key != "id").SelectMany(r => r.Value!.AsObject().Select(n => n.Key))));
            Assert.Equal(parts.Count, header["parts"]!.GetValue<int>());
        }
    }

    [Fact]
    public void The_check_fails_on_a_header_with_a_wrong_type_or_an_unknown_key()
    {
        var (header, _) = Valid();
        Assert.Empty(RequestDocuments.Problems("header", header));
        header["settings"]!["maxSurge"] = "1";
        Assert.Contains(RequestDocuments.Problems("header", header), p => p.StartsWith("/settings/maxSurge type:", StringComparison.Ordinal));
        (header, _) = Valid();
        header["settings"]!["maxSurges"] = 1;
        Assert.Contains(RequestDocuments.Problems("header", header), p => p.StartsWith("/settings/maxSurges", StringComparison.Ordinal));
    }

    /// <summary>One document the app would not write, per rule of the schema: (definition, what is wrong, the change, where validation fails).</summary>
    public static TheoryData<string, string, Action<JsonObject>, string> Broken => new()
    {
        { "header", "a newer version", h => h["schemaVersion"] = RequestSchema.Version + 1, "/schemaVersion" },
        { "header", "an older version", h => h["schemaVersion"] = RequestSchema.Version - 1, "/schemaVersion" },
        { "header", "a version as text", h => h["schemaVersion"] = RequestSchema.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), "/schemaVersion" },
        { "header", "no version", h => h.Remove("schemaVersion"), "" },
        { "header", "an unknown key", h => h["extra"] = 1, "/extra" },
        { "header", "an id of 11 digits", h => h["id"] = "0123456789a", "/id" },
        { "header", "an id in capitals", h => h["id"] = "0123456789AB", "/id" },
        { "header", "an http signal", h => h["signal"] = "http://example.com/x", "/signal" },
        { "header", "a signal with a space", h => h["signal"] = "https://example.com/a b", "/signal" },
        { "header", "a signal past its allowance", h => h["signal"] = "https://" + new string('a', ConvergenceRequest.SignalUrlBytes - 7), "/signal" },
        { "header", "no parts", h => h["parts"] = 0, "/parts" },
        { "header", "too many parts", h => h["parts"] = ConvergenceRequest.MaxParts + 1, "/parts" },
        { "header", "parts as text", h => h["parts"] = "1", "/parts" },
        { "header", "no settings", h => h.Remove("settings"), "" },
        { "header", "an unknown setting", h => h["settings"]!["maxSurges"] = 1, "/settings/maxSurges" },
        { "header", "a missing setting", h => h["settings"]!.AsObject().Remove("forks"), "/settings" },
        { "header", "kubespray without its v", h => h["settings"]!["kubespray"] = "2.31.0", "/settings/kubespray" },
        { "header", "kubernetes with a v", h => h["settings"]!["kubernetes"] = "v1.35.4", "/settings/kubernetes" },
        { "header", "kubernetes of two numbers", h => h["settings"]!["kubernetes"] = "1.35", "/settings/kubernetes" },
        { "header", "maxSurge 0", h => h["settings"]!["maxSurge"] = 0, "/settings/maxSurge" },
        { "header", "maxSurge 101", h => h["settings"]!["maxSurge"] = 101, "/settings/maxSurge" },
        { "header", "maxSurge 1.5", h => h["settings"]!["maxSurge"] = 1.5, "/settings/maxSurge" },
        { "header", "forks 4", h => h["settings"]!["forks"] = 4, "/settings/forks" },
        { "header", "forks 51", h => h["settings"]!["forks"] = 51, "/settings/forks" },
        { "header", "downloadOnce as text", h => h["settings"]!["downloadOnce"] = "false", "/settings/downloadOnce" },
        { "header", "a pod range of /7", h => h["settings"]!["podCidr"] = "10.0.0.0/7", "/settings/podCidr" },
        { "header", "a pod range of /25", h => h["settings"]!["podCidr"] = "10.0.0.0/25", "/settings/podCidr" },
        { "header", "a pod range with an octet of 256", h => h["settings"]!["podCidr"] = "10.256.0.0/16", "/settings/podCidr" },
        { "header", "a pod range without its prefix", h => h["settings"]!["podCidr"] = "10.233.64.0", "/settings/podCidr" },
        { "header", "an IPv6 pod range", h => h["settings"]!["podCidr"] = "fd00::/104", "/settings/podCidr" },
        { "header", "nodePrefix 15", h => h["settings"]!["nodePrefix"] = 15, "/settings/nodePrefix" },
        { "header", "nodePrefix 26", h => h["settings"]!["nodePrefix"] = 26, "/settings/nodePrefix" },
        { "header", "drainSeconds 29", h => h["settings"]!["drainSeconds"] = 29, "/settings/drainSeconds" },
        { "header", "drainSeconds 3601", h => h["settings"]!["drainSeconds"] = 3601, "/settings/drainSeconds" },
        { "header", "an unknown plugin", h => h["settings"]!["networkPlugin"] = "weave", "/settings/networkPlugin" },
        { "header", "a service range of /11", h => h["settings"]!["serviceCidr"] = "10.96.0.0/11", "/settings/serviceCidr" },
        { "header", "a service range of /25", h => h["settings"]!["serviceCidr"] = "10.96.0.0/25", "/settings/serviceCidr" },
        { "header", "an add-on kubespray no longer carries", h => h["settings"]!["addons"] = new JsonArray("ingressNginx"), "/settings/addons/0" },
        { "header", "an add-on twice", h => h["settings"]!["addons"] = new JsonArray("helm", "helm"), "/settings/addons" },
        { "header", "add-ons as text", h => h["settings"]!["addons"] = "helm", "/settings/addons" },
        { "header", "allowRebuild as a number", h => h["settings"]!["allowRebuild"] = 1, "/settings/allowRebuild" },
        { "header", "groupVars as a list", h => h["settings"]!["groupVars"] = new JsonArray(), "/settings/groupVars" },
        { "header", "a variable name in capitals", h => h["settings"]!["groupVars"]!["Kube_Version"] = "1.35.4", "/settings/groupVars/Kube_Version" },
        { "header", "a variable name with a dash", h => h["settings"]!["groupVars"]!["kube-version"] = "1.35.4", "/settings/groupVars/kube-version" },
        { "header", "a variable of a fraction", h => h["settings"]!["groupVars"]!["calico_vxlan_port"] = 4789.5, "/settings/groupVars/calico_vxlan_port" },
        { "header", "a variable of null", h => h["settings"]!["groupVars"]!["calico_vxlan_port"] = null, "/settings/groupVars/calico_vxlan_port" },
        { "header", "a variable of a list", h => h["settings"]!["groupVars"]!["calico_vxlan_port"] = new JsonArray(4789), "/settings/groupVars/calico_vxlan_port" },
        { "header", "a variable GroupVars never writes (an ansible connection variable)", h => h["settings"]!["groupVars"]!["ansible_ssh_common_args"] = "-o ProxyCommand=id", "/settings/groupVars/ansible_ssh_common_args" },
        { "header", "a kubespray variable GroupVars never writes", h => h["settings"]!["groupVars"]!["kube_proxy_mode"] = "ipvs", "/settings/groupVars/kube_proxy_mode" },
        { "header", "a template in a pinned variable", h => h["settings"]!["groupVars"]!["calico_network_backend"] = "{{ lookup('pipe', 'id') }}", "/settings/groupVars/calico_network_backend" },
        { "header", "another value of a pinned variable", h => h["settings"]!["groupVars"]!["calico_vxlan_port"] = 4790, "/settings/groupVars/calico_vxlan_port" },
        { "header", "a template as the version variable", h => h["settings"]!["groupVars"]!["kube_version"] = "{{ lookup('pipe', 'id') }}", "/settings/groupVars/kube_version" },
        { "header", "a range variable of another form", h => h["settings"]!["groupVars"]!["kube_pods_subnet"] = "10.233.64.0/7", "/settings/groupVars/kube_pods_subnet" },
        { "header", "an add-on switch as text", h => h["settings"]!["groupVars"]!["helm_enabled"] = "true", "/settings/groupVars/helm_enabled" },
        { "header", "more variables than one rendering has", h => { foreach (var (name, value) in GroupVars.PluginVariables[NetworkPlugin.Cilium]) h["settings"]!["groupVars"]![name] = JsonSerializer.SerializeToNode(value); }, "/settings/groupVars" },
        { "header", "a version past the longest the app takes", h => h["settings"]!["kubernetes"] = "1.35.4444444444", "/settings/kubernetes" },
        { "header", "a kubespray tag past the longest the app takes", h => h["settings"]!["kubespray"] = "v2.31.0000000000", "/settings/kubespray" },
        { "header", "a pod range with host bits, past the longest network address", h => h["settings"]!["podCidr"] = "255.255.255.255/24", "/settings/podCidr" },
        { "header", "no snapshot bucket", h => h["settings"]!.AsObject().Remove("snapshotBucket"), "/settings" },
        { "header", "a bucket name in capitals", h => h["settings"]!["snapshotBucket"] = "K8sLab-Snapshots", "/settings/snapshotBucket" },
        { "header", "a bucket name of 2 characters", h => h["settings"]!["snapshotBucket"] = "ab", "/settings/snapshotBucket" },
        { "header", "a bucket name past the longest S3 takes", h => h["settings"]!["snapshotBucket"] = RequestDocuments.LongestBucket + "s", "/settings/snapshotBucket" },
        { "header", "a bucket name ending in a dash", h => h["settings"]!["snapshotBucket"] = "k8slab-snapshots-", "/settings/snapshotBucket" },
        { "header", "snapshotHours 0", h => h["settings"]!["snapshotHours"] = 0, "/settings/snapshotHours" },
        { "header", "snapshotHours 25", h => h["settings"]!["snapshotHours"] = 25, "/settings/snapshotHours" },
        { "header", "snapshotDays 0", h => h["settings"]!["snapshotDays"] = 0, "/settings/snapshotDays" },
        { "header", "snapshotDays 366", h => h["settings"]!["snapshotDays"] = 366, "/settings/snapshotDays" },
        { "header", "snapshotDays as text", h => h["settings"]!["snapshotDays"] = "7", "/settings/snapshotDays" },
        { "part", "an unknown key", p => p["extra"] = 1, "/extra" },
        { "part", "an unknown role", p => p["bastion"] = new JsonObject { ["bastion"] = "i-0123456789abcdef0" }, "/bastion" },
        { "part", "no id", p => p.Remove("id"), "" },
        { "part", "an id of another form", p => p["id"] = "r1", "/id" },
        { "part", "no nodes", p => { p.Remove("control-plane"); p.Remove("worker"); }, "" },
        { "part", "a role without nodes", p => p["worker"] = new JsonObject(), "/worker" },
        { "part", "cp-0", p => p["control-plane"]!["cp-0"] = "i-0123456789abcdef0", "/control-plane/cp-0" },
        { "part", "a control-plane node past the most the file allows", p => p["control-plane"]![$"cp-{EnvironmentFiles.MaxControlPlane + 1}"] = "i-0123456789abcdef0", $"/control-plane/cp-{EnvironmentFiles.MaxControlPlane + 1}" },
        { "part", "a worker past the most the file allows", p => p["worker"]![$"worker-{EnvironmentFiles.MaxWorkers + 1}"] = "i-0123456789abcdef0", $"/worker/worker-{EnvironmentFiles.MaxWorkers + 1}" },
        { "part", "worker-0", p => p["worker"]!["worker-0"] = "i-0123456789abcdef0", "/worker/worker-0" },
        { "part", "worker-01", p => p["worker"]!["worker-01"] = "i-0123456789abcdef0", "/worker/worker-01" },
        { "part", "a worker under the control plane", p => p["control-plane"]!["worker-3"] = "i-0123456789abcdef0", "/control-plane/worker-3" },
        { "part", "an instance ID of 9 digits", p => p["control-plane"]!["cp-1"] = "i-0123456789", "/control-plane/cp-1" },
        { "part", "an instance ID of 18 digits", p => p["control-plane"]!["cp-1"] = "i-0123456789abcdef01", "/control-plane/cp-1" },
        { "part", "an instance ID in capitals", p => p["control-plane"]!["cp-1"] = "i-0123456789ABCDEF0", "/control-plane/cp-1" },
        { "part", "a logical ID left unresolved", p => p["worker"]!["worker-1"] = "WorkerNode10123456789abcdef", "/worker/worker-1" },
        { "part", "an instance ID as a number", p => p["worker"]!["worker-1"] = 1, "/worker/worker-1" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Each_rule_fails_a_document_that_breaks_it(string definition, string what, Action<JsonObject> change, string location)
    {
        var (header, part) = Valid();
        var document = definition == "header" ? header : part;
        Assert.Empty(RequestDocuments.Problems(definition, document));
        change(document);
        var problems = RequestDocuments.Problems(definition, document);
        Assert.True(problems.Any(p => p.StartsWith(location + " ", StringComparison.Ordinal)),
            $"{definition} with {what}: expected a problem at '{location}', got: {string.Join(" | ", problems)}");
    }

    /// <summary>The edges the app may write: each passes.</summary>
    public static TheoryData<string, string, Action<JsonObject>> Edges => new()
    {
        { "header", "maxSurge 1", h => h["settings"]!["maxSurge"] = 1 },
        { "header", "maxSurge 100", h => h["settings"]!["maxSurge"] = 100 },
        { "header", "forks 5", h => h["settings"]!["forks"] = 5 },
        { "header", "forks 50", h => h["settings"]!["forks"] = 50 },
        { "header", "drainSeconds 30", h => h["settings"]!["drainSeconds"] = 30 },
        { "header", "drainSeconds 3600", h => h["settings"]!["drainSeconds"] = 3600 },
        { "header", "nodePrefix 16", h => h["settings"]!["nodePrefix"] = 16 },
        { "header", "nodePrefix 25", h => h["settings"]!["nodePrefix"] = 25 },
        { "header", "a pod range of /8", h => h["settings"]!["podCidr"] = "10.0.0.0/8" },
        { "header", "a pod range of /24", h => h["settings"]!["podCidr"] = "192.168.255.0/24" },
        { "header", "a service range of /12", h => h["settings"]!["serviceCidr"] = "172.16.0.0/12" },
        { "header", "a service range of /24", h => h["settings"]!["serviceCidr"] = "10.96.0.0/24" },
        { "header", "the longest ranges", h => { h["settings"]!["podCidr"] = "255.255.255.0/24"; h["settings"]!["serviceCidr"] = "255.255.254.0/23"; } },
        { "header", "the longest version the app takes", h => h["settings"]!["kubernetes"] = "9999.9999.9999" },
        { "header", "every add-on", h => h["settings"]!["addons"] = new JsonArray(Addons.All.Select(a => (JsonNode)a.Key).ToArray()) },
        { "header", "no add-on", h => h["settings"]!["addons"] = new JsonArray() },
        { "header", "the longest signal the app allows for", h => h["signal"] = "https://" + new string('a', ConvergenceRequest.SignalUrlBytes - 8) },
        { "header", "the most parts", h => h["parts"] = ConvergenceRequest.MaxParts },
        { "header", "the longest bucket name", h => h["settings"]!["snapshotBucket"] = RequestDocuments.LongestBucket },
        { "header", "the shortest bucket name", h => h["settings"]!["snapshotBucket"] = "a.b" },
        { "header", "snapshots every hour, kept a day", h => { h["settings"]!["snapshotHours"] = 1; h["settings"]!["snapshotDays"] = 1; } },
        { "header", "snapshots once a day, kept a year", h => { h["settings"]!["snapshotHours"] = 24; h["settings"]!["snapshotDays"] = 365; } },
        { "part", "the largest node numbers", p => { p["control-plane"]![$"cp-{EnvironmentFiles.MaxControlPlane}"] = "i-0123456789abcdef0"; p["worker"]![$"worker-{EnvironmentFiles.MaxWorkers}"] = "i-01234567"; } },
        { "part", "only workers", p => p.Remove("control-plane") },
        { "part", "only the control plane", p => p.Remove("worker") },
    };

    [Theory]
    [MemberData(nameof(Edges))]
    public void The_edges_of_each_rule_pass(string definition, string what, Action<JsonObject> change)
    {
        var (header, part) = Valid();
        var document = definition == "header" ? header : part;
        change(document);
        var problems = RequestDocuments.Problems(definition, document);
        Assert.True(problems.Count == 0, $"{definition} with {what}: {string.Join(" | ", problems)}");
    }

    [Fact]
    public void The_role_keys_and_node_names_are_lab_jsons()
    {
        var roles = RequestDocuments.Schema["$defs"]!["part"]!["properties"]!.AsObject().Select(p => p.Key).Where(k => k != "id").Order();
        Assert.Equal(new[] { LabFacts.ControlPlane.Tag, LabFacts.Worker.Tag }.Order(), roles);
        foreach (var role in new[] { LabFacts.ControlPlane, LabFacts.Worker })
        {
            var pattern = Assert.Single(RequestDocuments.Schema["$defs"]!["part"]!["properties"]![role.Tag]!["patternProperties"]!.AsObject()).Key;
            Assert.StartsWith("^" + role.NamePrefix, pattern);
        }
    }

    [Fact]
    public void The_add_ons_and_plugins_are_the_apps()
    {
        var settings = RequestDocuments.Schema["$defs"]!["settings"]!["properties"]!;
        Assert.Equal(Addons.All.Select(a => a.Key), settings["addons"]!["items"]!["enum"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(NetworkPlugins.All.Select(p => p.Name()), settings["networkPlugin"]!["enum"]!.AsArray().Select(p => p!.GetValue<string>()));
        // Every setting the app writes, and no other, is a key of the schema and a required one.
        var written = Valid().Header["settings"]!.AsObject().Select(p => p.Key).Order().ToList();
        Assert.Equal(written, settings.AsObject().Select(p => p.Key).Order());
        Assert.Equal(written, RequestDocuments.Schema["$defs"]!["settings"]!["required"]!.AsArray().Select(k => k!.GetValue<string>()).Order());
    }

    /// <summary>
    /// The environment file's own bounds, read from what it says of a value out of range ("must be a
    /// whole number from 1 to 100"), are the schema's; forks, parts and the signal's room are the app's constants.
    /// </summary>
    [Fact]
    public void The_bounds_are_the_apps()
    {
        var settings = RequestDocuments.Schema["$defs"]!["settings"]!["properties"]!;
        foreach (var (file, key, section) in new[]
        {
            ("maxSurge", "maxSurge", "convergence"), ("drainTimeoutSeconds", "drainSeconds", "convergence"), ("nodePrefix", "nodePrefix", "kubernetes"),
            ("everyHours", "snapshotHours", "snapshots"), ("keepDays", "snapshotDays", "snapshots"),
        })
        {
            var problems = Assert.Throws<ConfigException>(() => Environments.With("test",
                ("count: 2\n  instanceType: t3.medium", $"count: 2\n  instanceType: t3.medium\n{section}:\n  {file}: 100000"))).Problems;
            var match = problems.Select(p => Regex.Match(p, $@"{section}\.{file}: must be a whole number from (\d+) to (\d+)")).Single(m => m.Success);
            Assert.Equal((int.Parse(match.Groups[1].Value), int.Parse(match.Groups[2].Value)),
                (settings[key]!["minimum"]!.GetValue<int>(), settings[key]!["maximum"]!.GetValue<int>()));
        }
        Assert.Equal((ScaleLimits.Forks(1), ScaleLimits.Forks(EnvironmentFiles.MaxControlPlane + EnvironmentFiles.MaxWorkers)),
            (settings["forks"]!["minimum"]!.GetValue<int>(), settings["forks"]!["maximum"]!.GetValue<int>()));
        var header = RequestDocuments.Schema["$defs"]!["header"]!["properties"]!;
        Assert.Equal(ConvergenceRequest.MaxParts, header["parts"]!["maximum"]!.GetValue<int>());
        Assert.Equal(ConvergenceRequest.SignalUrlBytes, header["signal"]!["maxLength"]!.GetValue<int>());
        Assert.Equal(ConvergenceRequest.BucketNameBytes, settings["snapshotBucket"]!["maxLength"]!.GetValue<int>());
    }

    /// <summary>Every plugin with every set of add-ons: each rendering GroupVars can make of a cluster's shape.</summary>
    private static IEnumerable<(string What, OrderedDictionary<string, object> Vars)> EveryRendering() =>
        from plugin in NetworkPlugins.All
        from mask in Enumerable.Range(0, 1 << Addons.All.Count)
        let addons = Addons.All.Where((_, i) => ((mask >> i) & 1) == 1).ToList()
        select ($"{plugin.Name()} with [{string.Join(", ", addons.Select(a => a.Key))}]",
            GroupVars.Render(new ClusterSpec { NetworkPlugin = plugin, Addons = addons }));

    /// <summary>
    /// The bastion writes groupVars into ansible's group_vars, where a connection variable or a template
    /// runs code on it: the schema allows exactly the names GroupVars renders, no more at once than one
    /// rendering has, each with its value's form, and every rendering passes.
    /// </summary>
    [Fact]
    public void The_group_variables_are_exactly_the_names_GroupVars_renders()
    {
        var groupVars = RequestDocuments.Schema["$defs"]!["settings"]!["properties"]!["groupVars"]!;
        var renderings = EveryRendering().ToList();
        var allowed = groupVars["propertyNames"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        Assert.Equal(allowed.Count, allowed.Distinct().Count());
        Assert.Equal(renderings.SelectMany(r => r.Vars.Keys).Distinct().Order(StringComparer.Ordinal), allowed.Order(StringComparer.Ordinal));
        Assert.Equal(allowed.Order(StringComparer.Ordinal), groupVars["properties"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(renderings.Max(r => r.Vars.Count), groupVars["maxProperties"]!.GetValue<int>());
        foreach (var (what, vars) in renderings)
        {
            var (header, _) = Valid();
            header["settings"]!["groupVars"] = JsonSerializer.SerializeToNode(vars);
            var problems = RequestDocuments.Problems("header", header);
            Assert.True(problems.Count == 0, $"{what}: {string.Join(" | ", problems)}");
        }
    }

    /// <summary>
    /// Every string the schema allows has a maxLength (or is a const or one of an enum), the longest value
    /// the app can write, derived from the app's own rules rather than guessed.
    /// </summary>
    [Fact]
    public void Every_string_is_bounded_by_the_longest_value_the_app_can_write()
    {
        var unbounded = new List<string>();
        void Walk(JsonNode? node, string at)
        {
            if (node is JsonObject o)
            {
                if (o["type"] is JsonValue t && t.GetValue<string>() == "string" && !o.ContainsKey("maxLength")) unbounded.Add(at);
                foreach (var (key, child) in o) Walk(child, $"{at}/{key}");
            }
            else if (node is JsonArray a)
                for (var i = 0; i < a.Count; i++) Walk(a[i], $"{at}/{i}");
        }
        Walk(RequestDocuments.Schema, "#");
        Assert.Empty(unbounded);

        var defs = RequestDocuments.Schema["$defs"]!;
        var settings = defs["settings"]!["properties"]!;
        int MaxLength(JsonNode field) => field["maxLength"]!.GetValue<int>();
        // kubernetes: KubernetesVersion's form, three numbers of at most four digits.
        Assert.True(KubernetesVersion.TryParse("9999.9999.9999", out _));
        Assert.All(new[] { "10000.0.0", "0.10000.0", "0.0.10000" }, v => Assert.False(KubernetesVersion.TryParse(v, out _), v));
        Assert.Equal("9999.9999.9999".Length, MaxLength(settings["kubernetes"]!));
        // kubespray: the one tag the app writes is the pinned release's, a v and a version of that form.
        Assert.Equal(KubesprayRelease.Embedded.Tag, RequestSettings.For(Config, RequestDocuments.ExampleBucket).Kubespray);
        Assert.True(KubesprayRelease.Embedded.Tag.StartsWith('v') && KubernetesVersion.TryParse(KubesprayRelease.Embedded.Tag[1..], out _));
        Assert.Equal(1 + MaxLength(settings["kubernetes"]!), MaxLength(settings["kubespray"]!));
        // The ranges: a network address (Cidr refuses host bits) with a prefix up to /24, so its fourth octet
        // is 0; the longest is the all-ones network of some prefix the file allows.
        foreach (var (key, shortest) in new[] { ("podCidr", 8), ("serviceCidr", EnvironmentFiles.LargestServicePrefix) })
        {
            var longest = Enumerable.Range(shortest, 24 - shortest + 1).Select(AllOnesNetwork).MaxBy(t => t.Length)!;
            Assert.NotNull(Cidr.TryParse(longest, out var reason));
            Assert.True(reason.Length == 0, reason);
            Assert.Equal(longest.Length, MaxLength(settings[key]!));
        }
        // An instance ID: the longest a Ref resolves to, which the app sizes each part for.
        Assert.Equal(ConvergenceRequest.InstanceIdBytes, MaxLength(defs["instanceId"]!));
        // The request's id: the wait's identity hash, 12 hex digits (the shipped environments' requests pass).
        Assert.Equal(Valid().Header["id"]!.GetValue<string>().Length, MaxLength(defs["requestId"]!));
    }

    private static string AllOnesNetwork(int prefix)
    {
        var bits = uint.MaxValue << (32 - prefix);
        return $"{bits >> 24}.{(bits >> 16) & 255}.{(bits >> 8) & 255}.{bits & 255}/{prefix}";
    }

    [Fact]
    public void The_app_writes_the_schemas_version_from_the_embedded_file()
    {
        Assert.Equal(File.ReadAllText(Repo.PathOf(RequestSchema.File.Split('/'))), RequestSchema.Text);
        var version = RequestDocuments.Schema["$defs"]!["header"]!["properties"]!["schemaVersion"]!["const"]!.GetValue<int>();
        Assert.Equal(version, RequestSchema.Version);
        Assert.Equal(version, Valid().Header["schemaVersion"]!.GetValue<int>());
    }
}
