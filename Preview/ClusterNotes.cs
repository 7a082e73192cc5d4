using System.Text.Json.Nodes;

namespace K8sLab.Preview;

/// <summary>
/// What a change of the <c>kubernetes:</c> settings does to the running cluster, read from the
/// convergence request's header in the stack's templates (the parameter <see cref="Header"/>) and
/// classified by the bastion's own rules (<see cref="ChangeRules"/>): a note ("kubernetes: version
/// 1.34.7 → 1.35.4: upgrade ..., re-converge, no instance replaced") and, for what the convergence will
/// refuse (a downgrade, a major-version change, a skipped minor, a rebuild without
/// kubernetes.allowRebuild), a warning with the reason the bastion would give.
/// </summary>
public static class ClusterNotes
{
    /// <summary>The header parameter's logical ID (Convergence/ClusterConvergence.cs).</summary>
    public const string Header = "ConvergeRequest";

    /// <param name="instancesReplaced">Whether the deploy replaces any instance, in any stack.</param>
    /// <param name="instances">The stack's instances that the deploy replaces, adds or removes: what the convergence rolls.</param>
    public static Lines Of(StackTemplate before, StackTemplate after, bool instancesReplaced, IEnumerable<ResourceChange> instances)
    {
        if (Settings(before) is not { } old || Settings(after) is not { } now) return Lines.None;
        var nodes = instances.Where(i => i.Instance is { Node: not null, Role: not null } && i.Kind is Change.Replaced or Change.Added or Change.Removed)
            .Select(i => (i.Instance!.Node!, i.Instance.Role!, i.Kind.ToString().ToLowerInvariant()));
        var change = ChangeRules.Classify(old, now, nodes);
        return new Lines(change.None ? Array.Empty<string>() : new[] { change.Describe(instancesReplaced) },
            change.Refusals.Select(r => $"kubernetes: {r.Reason}").ToList(), change.Statements, change.Refused);
    }

    /// <summary>The stack's notes and warnings on the cluster, and what the convergence does (<see cref="StackChanges.Convergence"/>).</summary>
    public sealed record Lines(IReadOnlyList<string> Notes, IReadOnlyList<string> Warnings, IReadOnlyList<string> Convergence, bool Refused)
    {
        public static readonly Lines None = new(Array.Empty<string>(), Array.Empty<string>(), Array.Empty<string>(), false);
    }

    /// <summary>The header's settings: its Fn::Join's literal parts joined (the Refs, the signal URL, left empty).</summary>
    public static JsonNode? Settings(StackTemplate stack)
    {
        var resource = stack.Resources[Header];
        if (ResourceJson.TypeOf(resource) != "AWS::SSM::Parameter") return null;
        var value = ResourceJson.PropertiesOf(resource)["Value"];
        var parts = value?["Fn::Join"]?[1] as JsonArray;
        var text = parts is null ? (value as JsonValue)?.GetValue<string>() : string.Concat(parts.Select(p => p is JsonValue v && v.TryGetValue<string>(out var s) ? s : ""));
        try
        {
            return JsonNode.Parse(text ?? "")?["settings"];
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new PreviewException($"the convergence request {Header} is not the JSON the lab writes: {e.Message}");
        }
    }
}
