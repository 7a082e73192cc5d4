namespace K8sLab.Nodes;

/// <summary>Node names in short form: worker-1, worker-2, worker-3, worker-7 is "worker-1..3,7".</summary>
public static class NodeNames
{
    public static string Compact(IEnumerable<string> names) =>
        string.Join(" ", names.Select(Split).GroupBy(n => n.Prefix)
            .Select(g => g.All(n => n.Index is null) ? g.Key : g.Key + Ranges(g.Select(n => n.Index!.Value).Order().ToList())));

    private static (string Prefix, int? Index) Split(string name)
    {
        var dash = name.LastIndexOf('-');
        return dash > 0 && int.TryParse(name[(dash + 1)..], out var index) ? (name[..(dash + 1)], index) : (name, null);
    }

    private static string Ranges(IReadOnlyList<int> indices)
    {
        var parts = new List<string>();
        for (var i = 0; i < indices.Count;)
        {
            var j = i;
            while (j + 1 < indices.Count && indices[j + 1] == indices[j] + 1) j++;
            parts.Add(i == j ? $"{indices[i]}" : $"{indices[i]}..{indices[j]}");
            i = j + 1;
        }
        return string.Join(",", parts);
    }
}
