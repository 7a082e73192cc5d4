using System.Text.Json.Nodes;
using static K8sLab.Preview.ResourceJson;

namespace K8sLab.Preview;

/// <summary>The brief lines on what changes besides resources: parameters, outputs, rules, other sections and stack tags.</summary>
public static class StackNotes
{
    /// <summary><paramref name="stackTags"/>: false when the stack tags' changes are warnings instead (<see cref="StackWarnings.StackTags"/>).</summary>
    public static IReadOnlyList<string> Of(StackTemplate before, StackTemplate after, bool stackTags = true)
    {
        var notes = new List<string>();
        foreach (var (section, label) in new[] { ("Parameters", "parameter"), ("Outputs", "output"), ("Rules", "rule") })
        {
            var (b, a) = (before.Template[section] as JsonObject ?? new JsonObject(), after.Template[section] as JsonObject ?? new JsonObject());
            foreach (var name in a.Select(x => x.Key).Union(b.Select(x => x.Key)))
            {
                if (!b.ContainsKey(name)) notes.Add($"{label} {name} added{Value(section, a[name])}");
                else if (!a.ContainsKey(name)) notes.Add($"{label} {name} removed");
                else if (!Same(b[name], a[name]))
                    notes.Add(section == "Outputs" && Text(b[name]) is { } old && Text(a[name]) is { } now
                        ? $"{label} {name}: {old} → {now}" : $"{label} {name} changed");
            }
        }
        var known = new[] { "Resources", "Parameters", "Outputs", "Rules" };
        foreach (var key in after.Template.Select(x => x.Key).Union(before.Template.Select(x => x.Key)).Except(known))
            if (!Same(before.Template[key], after.Template[key])) notes.Add($"{key} changed");

        if (stackTags) notes.AddRange(StackTagChanges(before, after));
        return notes;
    }

    /// <summary>"stack tag team=x added", "stack tag team: a → b", "stack tag team=x removed".</summary>
    public static IEnumerable<string> StackTagChanges(StackTemplate before, StackTemplate after)
    {
        var (tb, ta) = (before.Tags ?? new Dictionary<string, string>(), after.Tags ?? new Dictionary<string, string>());
        foreach (var key in ta.Keys.Union(tb.Keys))
        {
            if (!tb.ContainsKey(key)) yield return $"stack tag {key}={ta[key]} added";
            else if (!ta.ContainsKey(key)) yield return $"stack tag {key}={tb[key]} removed";
            else if (tb[key] != ta[key]) yield return $"stack tag {key}: {tb[key]} → {ta[key]}";
        }
    }

    private static string Value(string section, JsonNode? output) =>
        section == "Outputs" && Text(output) is { } text ? $": {text}" : "";

    /// <summary>An output's value when it is plain text, shortened to one readable line.</summary>
    private static string? Text(JsonNode? output) =>
        output?["Value"] is JsonValue v && v.TryGetValue<string>(out var s) ? (s.Length > 100 ? s[..99] + "…" : s).ReplaceLineEndings(" ") : null;
}
