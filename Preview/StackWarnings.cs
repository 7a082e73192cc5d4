using K8sLab.Nodes;

namespace K8sLab.Preview;

/// <summary>The changes of one stack that a deploy gets wrong or refuses.</summary>
internal static class StackWarnings
{
    /// <summary>
    /// <paramref name="refused"/>: updates of types CloudFormation cannot update
    /// (<see cref="DocumentedUpdates.NotUpdatable"/>), which are not among <paramref name="changes"/>.
    /// </summary>
    public static IReadOnlyList<string> Of(string stack, IReadOnlyList<ResourceChange> changes, IReadOnlyList<ResourceChange> refused, Settlement settled)
    {
        var warnings = new List<string>();
        foreach (var c in refused)
            warnings.Add($"{c.LogicalId} ({c.Type}): {string.Join(", ", c.Reasons)} {(c.Reasons.Count == 1 ? "changes" : "change")}, but CloudFormation "
                + "does not support updates of this type (its documentation): the update would fail; only a new logical ID makes a new one");

        var silent = changes.Where(c => c.Kind == Change.Updated && c.Instance is not null
            && (c.Instance.UserDataChanges || c.Reasons.Any(r => r.What == "UserData"))).ToList();
        if (silent.Count > 0)
            warnings.Add($"{Names(silent)}: the user data changes but the instance is only updated; EC2 runs user data at first boot only, so the new document never runs");

        var importers = settled.Before.SelectMany(s => Intrinsic.ImportedExports(s.Value.Template).Select(name => (name, s.Key)))
            .GroupBy(x => x.name).ToDictionary(g => g.Key, g => g.Select(x => x.Key).Distinct().ToList());
        foreach (var (name, (exporter, _)) in settled.ExportsBefore.Where(e => e.Value.Stack == stack))
            if (importers.TryGetValue(name, out var users) && (!settled.ExportsAfter.ContainsKey(name) || settled.ExportChanges(name)))
                warnings.Add($"export {name} {(settled.ExportsAfter.ContainsKey(name) ? "changes" : "disappears")} while {string.Join(", ", users)} {(users.Count == 1 ? "imports" : "import")} it: CloudFormation refuses to update {exporter}");

        foreach (var c in changes.Where(c => c.Kind == Change.Updated && !settled.CreateOnly.Knows(c.Type)))
            warnings.Add($"{c.LogicalId} ({c.Type}): cfn-lint has no schema for this type; an update may replace it");
        return warnings;
    }

    /// <summary>
    /// A change of the stack's tags: CloudFormation copies stack tags onto the stack's resources at
    /// deploy time, so a resource whose schema lists Tags as create-only would be replaced, and one
    /// with a fixed name (a create-only name property that is set) cannot be, so the update fails.
    /// That follows the resource schemas; it was not observed on AWS here.
    /// </summary>
    public static IReadOnlyList<string> StackTags(StackTemplate before, StackTemplate after, CreateOnlyProperties createOnly)
    {
        const string Tags = "/properties/Tags";
        var tagsAtCreation = after.Resources.Where(r => createOnly.For(ResourceJson.TypeOf(r.Value)).Contains(Tags)).Select(r =>
        {
            var type = ResourceJson.TypeOf(r.Value);
            var name = createOnly.For(type).Select(CreateOnlyProperties.NameOf)
                .FirstOrDefault(n => n.EndsWith("Name", StringComparison.Ordinal) && ResourceJson.PropertiesOf(r.Value).ContainsKey(n));
            return name is null
                ? $"{r.Key} ({type}) takes tags only at creation: CloudFormation would replace it"
                : $"{r.Key} ({type}) takes tags only at creation under a fixed name ({name}): the update would fail";
        }).ToList();
        if (tagsAtCreation.Count == 0) return Array.Empty<string>();
        var clause = $"CloudFormation copies stack tags onto the stack's resources, and {string.Join(", and ", tagsAtCreation)} "
            + "(as CloudFormation's resource schemas have it, Tags create-only; not observed on AWS)";
        return StackNotes.StackTagChanges(before, after).Select(change => $"{change}: {clause}").ToList();
    }

    private static string Names(IEnumerable<ResourceChange> instances) =>
        NodeNames.Compact(instances.Select(c => c.Instance?.Node ?? c.LogicalId));
}
