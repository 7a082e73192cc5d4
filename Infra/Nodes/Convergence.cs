using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Amazon.CDK;
using Constructs;
using K8sLab.Instances;
using CfnSsmParameter = Amazon.CDK.AWS.SSM.CfnParameter;

namespace K8sLab.Nodes;

public sealed class ConvergenceProps
{
    public required string Environment { get; init; }
    public required IReadOnlyList<BootstrappedInstance> Nodes { get; init; }
    /// <summary>What else replaces instances without changing a fingerprint: the image pin.</summary>
    public required string ImagePin { get; init; }
    /// <summary>
    /// How long the deploy waits for the cluster: boot and cluster.yml's 15-20 minutes for a small
    /// lab, and longer as kubespray works through more nodes. Default: 50 minutes + 20 s a node.
    /// </summary>
    public TimeSpan? Timeout { get; init; }
}

/// <summary>
/// Makes the deploy of the nodes wait for a converged cluster. The request, an SSM parameter, names
/// every node with its role and user-data fingerprint and carries the URL of a wait condition; the
/// bastion's k8slab-converge timer sees a new request, runs kubespray and signals the outcome. Both
/// the wait condition and its handle have the request's hash in their logical IDs: a changed node
/// set gets a fresh wait (a wait condition can be signalled once), an unchanged one changes nothing.
/// </summary>
public sealed class Convergence
{
    public string RequestId { get; }

    public Convergence(Stack stack, ConvergenceProps props)
    {
        if (props.Nodes.Count == 0) throw new ArgumentException("ConvergenceProps.Nodes: a cluster needs at least one node");
        var timeout = props.Timeout ?? TimeSpan.FromMinutes(50) + TimeSpan.FromSeconds(20 * props.Nodes.Count);
        if (timeout <= TimeSpan.Zero || timeout > TimeSpan.FromHours(12))
            throw new ArgumentException($"ConvergenceProps.Timeout: {timeout} is outside what a wait condition takes (up to 12 hours)");

        var groups = props.Nodes
            .GroupBy(n => (n.Props.Role, n.UserData.Fingerprint))
            .Select(g => new { role = g.Key.Role, names = NodeNames.Compact(g.Select(n => n.Props.Name)), fingerprint = g.Key.Fingerprint })
            .ToList();
        // Everything that replaces a node: its document (fingerprint), the image, the template options.
        var key = JsonSerializer.Serialize(new
        {
            image = props.ImagePin,
            // Spot groups add to it (and only they: other labs keep their request, and so their wait).
            options = BootstrapTemplate.Options + string.Concat(props.Nodes.Where(n => n.Props.Bootstrap.Spot)
                .Select(n => $"; {n.Props.Role} {SpotMarket.Description}").Distinct()),
            nodes = groups,
            types = props.Nodes.Select(n => n.Props.InstanceType.Name).Distinct(),
        });
        RequestId = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..12];

        var handle = new CfnWaitConditionHandle(stack, $"ConvergeSignal{RequestId}");
        // The handle's URL is filled in at deploy time; the template holds only a Ref to it.
        var request = JsonSerializer.Serialize(new { id = RequestId, signal = "SIGNAL_URL", nodes = groups })
            .Replace("SIGNAL_URL", handle.Ref);
        var parameter = new CfnSsmParameter(stack, "ConvergeRequest", new Amazon.CDK.AWS.SSM.CfnParameterProps
        {
            Name = Bootstrap.BootstrapRenderer.ConvergeParameter(props.Environment),
            Type = "String",
            Value = request,
            Description = "K8sLab: the node set the bastion converges the cluster to",
        });
        // Written once every node exists, so the bastion never waits on a node not yet created.
        parameter.AddOverride("DependsOn", props.Nodes.Select(n => n.LogicalId).ToArray());

        var wait = new CfnWaitCondition(stack, $"Converged{RequestId}", new CfnWaitConditionProps
        {
            Handle = handle.Ref,
            Count = 1,
            Timeout = ((int)timeout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        wait.AddDependency(parameter);
    }
}
