using K8sLab.Nodes;

namespace K8sLab.Preview;

/// <summary>The changes of one stack that a deploy gets wrong or refuses.</summary>
internal static class StackWarnings
{
    public static IReadOnlyList<string> Of(string stack, IReadOnlyList<ResourceChange> changes, Settlement settled)
    {
        var warnings = new List<string>();
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

    private static string Names(IEnumerable<ResourceChange> instances) =>
        NodeNames.Compact(instances.Select(c => c.Instance?.Node ?? c.LogicalId));
}
