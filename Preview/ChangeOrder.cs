namespace K8sLab.Preview;

/// <summary>The order a stack's changes are listed in.</summary>
public static class ChangeOrder
{
    /// <summary>Replacements, additions, removals, updates; in each, the nodes first, by name (worker-2 before worker-10).</summary>
    public static IReadOnlyList<ResourceChange> Sorted(IEnumerable<ResourceChange> changes) => changes
        .OrderBy(c => c.Kind).ThenBy(c => c.Instance?.Node is null)
        .ThenBy(c => NameOrder(c.Instance?.Node ?? c.LogicalId).Prefix, StringComparer.Ordinal)
        .ThenBy(c => NameOrder(c.Instance?.Node ?? c.LogicalId).Index)
        .ThenBy(c => c.LogicalId, StringComparer.Ordinal).ToList();

    private static (string Prefix, long Index) NameOrder(string name)
    {
        var digits = name.Length - name.Reverse().TakeWhile(char.IsAsciiDigit).Count();
        return digits < name.Length && digits > 0 && long.TryParse(name[digits..], out var index) ? (name[..digits], index) : (name, -1);
    }
}
