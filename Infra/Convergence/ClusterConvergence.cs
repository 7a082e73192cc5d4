using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Amazon.CDK;
using Constructs;
using K8sLab.Bootstrap;
using K8sLab.Configuration;
using K8sLab.Contract;
using K8sLab.Instances;

namespace K8sLab.Convergence;

public sealed class ClusterConvergenceProps
{
    /// <summary>The environment: it names the request's SSM parameters (<see cref="LabFacts.RequestParameter"/>).</summary>
    public required string Environment { get; init; }
    /// <summary>Every node of the cluster, control plane first: the request names each one's instance.</summary>
    public required IReadOnlyList<BootstrappedInstance> Nodes { get; init; }
    /// <summary>What the bastion needs besides the node set (versions, surge, forks, pod range, drain).</summary>
    public required RequestSettings Settings { get; init; }
    /// <summary>
    /// Resources of the same stack the cluster needs before the bastion reads the request (the network
    /// plugin's port rules): the request's header and the wait depend on them.
    /// </summary>
    public IReadOnlyList<CfnResource> Prerequisites { get; init; } = Array.Empty<CfnResource>();
    /// <summary>How long the deploy waits for the cluster (<see cref="ScaleLimits.WaitTimeout"/>).</summary>
    public required TimeSpan Timeout { get; init; }
}

/// <summary>
/// Makes the deploy of the nodes wait for a converged cluster: the request (SSM parameters naming
/// every node's instance by Ref), a wait condition handle whose URL the request carries, and the wait.
/// The wait's identity, in the logical IDs of the handle and the wait, is a hash of what the
/// synthesized template says about the nodes: each instance's logical ID and properties and each
/// launch template's data, resolved to CloudFormation's own terms, plus the settings and the wait's
/// timeout. So the wait is new exactly when something that replaces or changes a node changes (a wait
/// condition cannot be updated, only created anew), and unchanged otherwise: no wait, no run.
/// Instance tags are left out: they change in place and change nothing a node runs.
/// Its resources keep the logical IDs they had as the stack's direct children.
/// </summary>
public sealed class ClusterConvergence : Construct
{
    public string RequestId { get; }
    public ConvergenceRequest Request { get; }

    public ClusterConvergence(Construct scope, string id, ClusterConvergenceProps props) : base(scope, id)
    {
        if (props.Nodes.Count == 0) throw new ArgumentException("ClusterConvergenceProps.Nodes: a cluster needs at least one node");
        if (props.Timeout <= TimeSpan.Zero || props.Timeout > ScaleLimits.WaitLimit)
            throw new ArgumentException($"ClusterConvergenceProps.Timeout: {props.Timeout} is outside what a wait condition takes (up to 12 hours)");
        var timeout = ((int)props.Timeout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);

        RequestId = Identity(Stack.Of(this), props, timeout);
        var handleId = $"ConvergeSignal{RequestId}";
        Resource(handleId, new CfnResourceProps { Type = "AWS::CloudFormation::WaitConditionHandle" });

        Request = new ConvergenceRequest(RequestId, handleId,
            props.Nodes.Select(n => new RequestedNode(n.Props.Name, n.Props.Role, n.LogicalId)).ToList(), props.Settings);
        var parameters = Request.Parameters.Select((p, index) =>
        {
            var name = LabFacts.RequestParameter(props.Environment) + (index == 0 ? "" : $"-{index}");
            var parameter = Resource(index == 0 ? "ConvergeRequest" : $"ConvergeRequestPart{index}", new CfnResourceProps
            {
                Type = "AWS::SSM::Parameter",
                Properties = new Dictionary<string, object>
                {
                    ["Name"] = name,
                    ["Type"] = "String",
                    // Explicit: the Standard tier holds 4 KB, and every part is sized to fit it.
                    ["Tier"] = "Standard",
                    ["Value"] = p.Value,
                    ["Description"] = index == 0 ? "K8sLab: the node set the bastion converges the cluster to (header)" : $"K8sLab: convergence request, nodes part {index}",
                },
            });
            return parameter;
        }).ToList();
        // A part is written once its nodes exist (its Refs of them say so); the header, which the
        // bastion reads first, after every part and every prerequisite.
        var stack = Stack.Of(this);
        if (props.Prerequisites.FirstOrDefault(p => Stack.Of(p) != stack) is { } foreign)
            throw new ArgumentException($"ClusterConvergenceProps.Prerequisites: {foreign.Node.Path} is not in {stack.StackName}; DependsOn reaches only its own stack");
        var prerequisites = props.Prerequisites.Select(p => stack.GetLogicalId(p)).ToArray();
        parameters[0].AddOverride("DependsOn", parameters.Skip(1).Select(p => p.LogicalId).Concat(prerequisites).ToArray());

        var wait = Resource($"Converged{RequestId}", new CfnResourceProps
        {
            Type = "AWS::CloudFormation::WaitCondition",
            Properties = new Dictionary<string, object>
            {
                ["Handle"] = new Dictionary<string, object> { ["Ref"] = handleId },
                ["Count"] = 1,
                ["Timeout"] = timeout,
            },
        });
        wait.AddOverride("DependsOn", prerequisites.Prepend(parameters[0].LogicalId).ToArray());
    }

    /// <summary>A resource of this construct whose logical ID is <paramref name="logicalId"/>, not one derived from its path.</summary>
    private CfnResource Resource(string logicalId, CfnResourceProps props)
    {
        var resource = new CfnResource(this, logicalId, props);
        resource.OverrideLogicalId(logicalId);
        return resource;
    }

    /// <summary>
    /// The request's parameter names for <paramref name="config"/>: the header and one per part. The
    /// part count follows from the node names alone (each Ref is sized as the longest instance ID).
    /// </summary>
    public static IReadOnlyList<string> ParameterNames(LabConfig config)
    {
        var nodes = Enumerable.Range(1, config.ControlPlane.Count).Select(i => new NodeSpec(config.Environment, NodeRole.ControlPlane, i))
            .Concat(Enumerable.Range(1, config.Workers.Count).Select(i => new NodeSpec(config.Environment, NodeRole.Worker, i)))
            .Select(n => new RequestedNode(n.Name, NodeSpec.Facts(n.Role).Tag, "Node"))
            .ToList();
        var parts = ConvergenceRequest.Split(new string('0', 12), nodes).Count;
        var header = LabFacts.RequestParameter(config.Environment);
        return Enumerable.Range(0, parts + 1).Select(i => i == 0 ? header : $"{header}-{i}").ToList();
    }

    /// <summary>The first 12 hex digits of the SHA-256 of the nodes' resolved template data, settings (the snapshot bucket's resolved) and timeout.</summary>
    private static string Identity(Stack stack, ClusterConvergenceProps props, string timeout)
    {
        // One round trip to jsii for every node: tokens (imports, Refs, GetAtts) become their
        // CloudFormation form, the same text in every synth.
        var templates = props.Nodes.Select(n => n.Props.Bootstrap).Distinct()
            .ToDictionary(t => t.Template.Id, t => (object)t.Template.Data);
        var instances = props.Nodes.ToDictionary(n => n.LogicalId,
            n => (object)n.Properties.Where(p => p.Key != "Tags").ToDictionary(p => p.Key, p => p.Value));
        // The snapshot bucket's name is another stack's: its token's text changes with the order tokens are
        // made in, its CloudFormation form does not.
        var resolved = stack.Resolve(new Dictionary<string, object>
        {
            ["templates"] = templates.Values.ToArray(), ["instances"] = instances, ["snapshotBucket"] = props.Settings.SnapshotBucket,
        });
        var text = JsonSerializer.Serialize(new object[] { Canonical(resolved), props.Settings with { SnapshotBucket = "" }, timeout });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
    }

    /// <summary>What jsii hands back, as sorted plain JSON.</summary>
    private static string Canonical(object? value) => value switch
    {
        null => "null",
        string s => JsonSerializer.Serialize(s),
        bool b => b ? "true" : "false",
        System.Collections.IDictionary d => "{" + string.Join(",", d.Keys.Cast<object>().Select(k => k.ToString()!).Order(StringComparer.Ordinal)
            .Select(k => JsonSerializer.Serialize(k) + ":" + Canonical(d[k]))) + "}",
        System.Collections.IEnumerable e => "[" + string.Join(",", e.Cast<object?>().Select(Canonical)) + "]",
        IConvertible c => Convert.ToString(c, System.Globalization.CultureInfo.InvariantCulture)!,
        _ => JsonSerializer.Serialize(value),
    };
}
