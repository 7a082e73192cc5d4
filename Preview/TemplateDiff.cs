namespace K8sLab.Preview;

/// <summary>
/// What deploying one set of templates over another does to each resource, read from the templates
/// alone (no AWS account, no deployed stack):
/// <list type="bullet">
/// <item>a resource is <b>replaced</b> when its logical ID is new (see <see cref="ResourcePairing"/>),
///   its type changes, or a create-only property changes (the schema's, and those that
///   <see cref="DocumentedUpdates"/> adds), in its text or at deploy time (a reference to a replaced
///   resource, or to a launch template's new version: see <see cref="Settlement"/> and <see cref="Intrinsic"/>);</item>
/// <item><b>updated</b> when any other property (or attribute such as DependsOn) changes, in text or at deploy time;
///   <b>metadata only</b> when nothing but its Metadata changes;</item>
/// <item><b>added</b> or <b>removed</b> otherwise.</item>
/// </list>
/// An update of a type CloudFormation cannot update (a wait condition) is a warning, not an update.
/// Then, per stack, the notes (<see cref="StackNotes"/>) and warnings (<see cref="StackWarnings"/>), and
/// what a change of the cluster's settings does to the running cluster (<see cref="ClusterNotes"/>).
/// </summary>
public static class TemplateDiff
{
    public static DiffResult Compare(IReadOnlyDictionary<string, StackTemplate> before,
        IReadOnlyDictionary<string, StackTemplate> after, CreateOnlyProperties createOnly)
    {
        var settled = new Settlement(before, after, createOnly);
        settled.Settle();
        var names = after.Keys.Concat(before.Keys.Where(k => !after.ContainsKey(k)));
        var stacks = names.Select(stack => StackChanges(stack, settled)).ToList();
        // What a change of the cluster's settings does, beside the resources (ClusterNotes).
        var instancesReplaced = stacks.SelectMany(s => s.Resources).Any(r => r.Instance is not null && r.Kind == Change.Replaced);
        return new DiffResult(stacks.Select(s =>
        {
            if (s.Presence != StackPresence.Both) return s;
            var cluster = ClusterNotes.Of(before[s.Stack], after[s.Stack], instancesReplaced, s.Resources.Where(r => r.Instance is not null));
            return s with
            {
                Notes = s.Notes.Concat(cluster.Notes).ToList(),
                Warnings = s.Warnings.Concat(cluster.Warnings).ToList(),
                Convergence = cluster.Convergence,
                Refused = cluster.Refused,
            };
        }).ToList());
    }

    private static StackChanges StackChanges(string stack, Settlement settled)
    {
        var (before, after) = (settled.Before, settled.After);
        if (!before.ContainsKey(stack))
            return new(stack, StackPresence.Added, Whole(after[stack], Change.Added), Array.Empty<string>(), Array.Empty<string>());
        if (!after.ContainsKey(stack))
            return new(stack, StackPresence.Removed, Whole(before[stack], Change.Removed), Array.Empty<string>(), Array.Empty<string>());

        var paired = settled.PairsIn(stack).ToList();
        var changes = paired.Where(p => p.Status is not null)
            .Select(p => new ResourceChange(p.Status!.Value, p.AfterId, p.Type, settled.Reasons(p),
                p.BeforeId == p.AfterId ? null : p.BeforeId, ResourceJson.Instance(p.Before, p.After)))
            .ToList();
        changes.AddRange(after[stack].Resources.Where(r => paired.All(p => p.AfterId != r.Key))
            .Select(r => new ResourceChange(Change.Added, r.Key, ResourceJson.TypeOf(r.Value), Array.Empty<Reason>(), Instance: ResourceJson.Instance(null, r.Value))));
        changes.AddRange(before[stack].Resources.Where(r => paired.All(p => p.BeforeId != r.Key))
            .Select(r => new ResourceChange(Change.Removed, r.Key, ResourceJson.TypeOf(r.Value), Array.Empty<Reason>(), Instance: ResourceJson.Instance(r.Value, null))));

        // A type CloudFormation cannot update: a property change under the same logical ID is a failure, not an update.
        var refused = changes.Where(c => c.Kind == Change.Updated && c.PreviousLogicalId is null && DocumentedUpdates.NotUpdatable.Contains(c.Type)
            && settled.PropertiesChange(paired.Single(p => p.AfterId == c.LogicalId))).ToList();
        changes.RemoveAll(refused.Contains);

        var tagWarnings = StackWarnings.StackTags(before[stack], after[stack], settled.CreateOnly);
        return new(stack, StackPresence.Both, ChangeOrder.Sorted(changes), StackNotes.Of(before[stack], after[stack], stackTags: tagWarnings.Count == 0),
            StackWarnings.Of(stack, changes, refused, settled).Concat(tagWarnings).ToList());
    }

    private static IReadOnlyList<ResourceChange> Whole(StackTemplate stack, Change kind) => ChangeOrder.Sorted(stack.Resources
        .Select(r => new ResourceChange(kind, r.Key, ResourceJson.TypeOf(r.Value), Array.Empty<Reason>(),
            Instance: kind == Change.Added ? ResourceJson.Instance(null, r.Value) : ResourceJson.Instance(r.Value, null))).ToList());
}
