using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace K8sLab.Configuration;

/// <summary>
/// Typed, strict access to one mapping of an environment file. Every read names the key it wants;
/// <see cref="RejectUnknownKeys"/> then reports any key nobody asked for (a typo) together with the
/// keys that are allowed there. Problems are collected, not thrown one by one, so a user fixes a
/// file in one pass.
/// </summary>
public sealed class YamlSection
{
    private readonly YamlMappingNode _node;
    private readonly string _path;
    private readonly List<string> _problems;
    private readonly List<string> _known = new();
    private readonly string _file;
    private readonly List<KeyReference>? _catalog;

    private YamlSection(string file, string path, YamlMappingNode node, List<string> problems, List<KeyReference>? catalog)
    {
        _file = file;
        _path = path;
        _node = node;
        _problems = problems;
        _catalog = catalog;
    }

    /// <param name="catalog">When given, every key read is noted in it with its default and what is allowed
    /// (<see cref="ConfigurationReference"/>: the reference table is these notes).</param>
    public static YamlSection Root(string file, YamlMappingNode node, List<string> problems, List<KeyReference>? catalog = null) =>
        new(file, "", node, problems, catalog);

    /// <summary>Says, for the reference table only, what the key's default is or what it allows, where the reader's own words fall short.</summary>
    public void Document(string key, string? @default = null, string? allowed = null)
    {
        if (_catalog is null) return;
        var i = _catalog.FindIndex(k => k.Key == PathOf(key));
        if (i < 0) return;
        _catalog[i] = _catalog[i] with { Default = @default ?? _catalog[i].Default, Allowed = allowed ?? _catalog[i].Allowed };
    }

    private void Note(string key, string @default, string allowed)
    {
        if (_catalog is null) return;
        var entry = new KeyReference(PathOf(key), @default, allowed);
        var i = _catalog.FindIndex(k => k.Key == entry.Key);
        if (i < 0) _catalog.Add(entry);
        else _catalog[i] = entry;
    }

    public string PathOf(string key) => _path.Length == 0 ? key : $"{_path}.{key}";

    public void Problem(string key, string message) => _problems.Add($"{_file}: {PathOf(key)}: {message}");

    public YamlSection Section(string key)
    {
        var node = Get(key);
        if (node is null or YamlScalarNode { Value: null or "" or "~" or "null" })
            return new YamlSection(_file, PathOf(key), new YamlMappingNode(), _problems, _catalog);
        if (node is YamlMappingNode mapping)
            return new YamlSection(_file, PathOf(key), mapping, _problems, _catalog);
        Problem(key, $"must be a mapping of keys (line {node.Start.Line}), got {Describe(node)}");
        return new YamlSection(_file, PathOf(key), new YamlMappingNode(), _problems, _catalog);
    }

    public string? OptionalString(string key, string allowed)
    {
        Note(key, KeyReference.None, allowed);
        var node = Get(key);
        if (node is null) return null;
        if (node is YamlScalarNode scalar)
            return string.IsNullOrWhiteSpace(scalar.Value) || scalar.Value == "~" ? null : scalar.Value.Trim();
        Problem(key, $"must be {allowed} (line {node.Start.Line}), got {Describe(node)}");
        return null;
    }

    public string String(string key, string fallback, string allowed)
    {
        var value = OptionalString(key, allowed);
        Note(key, fallback, allowed);
        return value ?? fallback;
    }

    public string RequiredString(string key, string allowed)
    {
        var value = OptionalString(key, allowed);
        Note(key, KeyReference.Required, allowed);
        if (value is null && Get(key) is null or YamlScalarNode) Problem(key, $"is required: {allowed}");
        return value ?? "";
    }

    public string Choice(string key, string fallback, params string[] choices)
    {
        var allowed = "one of " + string.Join(", ", choices);
        var value = String(key, fallback, allowed);
        if (choices.Contains(value)) return value;
        Problem(key, $"must be {allowed}, got '{value}'");
        return fallback;
    }

    public int Int(string key, int fallback, int min, int max)
    {
        var allowed = $"a whole number from {min} to {max}";
        Note(key, fallback.ToString(CultureInfo.InvariantCulture), allowed);
        var node = Get(key);
        if (node is null) return fallback;
        if (node is YamlScalarNode { Value: { } text } &&
            int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            if (value >= min && value <= max) return value;
            Problem(key, $"must be {allowed}, got {value}");
            return fallback;
        }
        Problem(key, $"must be {allowed} (line {node.Start.Line}), got {Describe(node)}");
        return fallback;
    }

    public bool Bool(string key, bool fallback)
    {
        Note(key, fallback ? "true" : "false", "true or false");
        var node = Get(key);
        if (node is null) return fallback;
        if (node is YamlScalarNode { Value: "true" or "false" } scalar) return scalar.Value == "true";
        Problem(key, $"must be true or false (line {node.Start.Line}), got {Describe(node)}");
        return fallback;
    }

    public IReadOnlyList<string>? OptionalStringList(string key, string allowed)
    {
        Note(key, KeyReference.None, $"a list of {allowed}");
        var node = Get(key);
        if (node is null) return null;
        if (node is YamlSequenceNode sequence && sequence.All(n => n is YamlScalarNode))
            return sequence.Cast<YamlScalarNode>().Select(s => s.Value ?? "").ToList();
        Problem(key, $"must be a list of {allowed} (line {node.Start.Line}), got {Describe(node)}");
        return null;
    }

    /// <summary>A mapping of free-form keys to text values (such as tags), in file order with their lines; null when absent.</summary>
    public IReadOnlyList<(string Key, string Value, long Line)>? OptionalStringMap(string key, string allowed)
    {
        Note(key, KeyReference.None, $"a mapping of {allowed}");
        var node = Get(key);
        if (node is null or YamlScalarNode { Value: null or "" or "~" or "null" }) return null;
        if (node is not YamlMappingNode mapping)
        {
            Problem(key, $"must be a mapping of {allowed} (line {node.Start.Line}), got {Describe(node)}");
            return null;
        }
        var entries = new List<(string, string, long)>();
        foreach (var (k, v) in mapping.Children)
        {
            if (k is not YamlScalarNode { Value: { } name })
                Problem(key, $"keys must be text (line {k.Start.Line}), got {Describe(k)}");
            else if (v is not YamlScalarNode scalar)
                Problem($"{key}.{name}", $"must be a text value (line {v.Start.Line}), got {Describe(v)}");
            // An empty value (or YAML's null: ~, null) is an empty text: AWS allows empty tag values.
            else entries.Add((name, IsNull(scalar) ? "" : scalar.Value!, k.Start.Line));
        }
        return entries;
    }

    /// <summary>
    /// Reports every key of this mapping that no reader asked for; a key of <paramref name="unavailable"/>
    /// (one a user may expect that the lab does not offer) with its reason instead of a suggestion.
    /// </summary>
    public void RejectUnknownKeys(IReadOnlyDictionary<string, string>? unavailable = null)
    {
        foreach (var entry in _node.Children)
        {
            var key = (entry.Key as YamlScalarNode)?.Value ?? entry.Key.ToString();
            if (_known.Contains(key)) continue;
            var allowed = _known.Count == 0 ? "none" : string.Join(", ", _known);
            if (unavailable is not null && unavailable.TryGetValue(key, out var reason))
            {
                Problem(key, $"{reason} (line {entry.Key.Start.Line}). Allowed here: {allowed}");
                continue;
            }
            if (key == "<<")
            {
                Problem(key, $"a YAML merge key (line {entry.Key.Start.Line}), which this reader does not apply: write the keys out here. Allowed here: {allowed}");
                continue;
            }
            var hint = Closest(key, _known);
            Problem(key, $"unknown key (line {entry.Key.Start.Line}){(hint is null ? "" : $"; did you mean '{hint}'?")} Allowed here: {allowed}");
        }
    }

    /// <summary>Whether the file writes <paramref name="key"/> here (a read of it then tells the value or the default).</summary>
    public bool Has(string key) => _node.Children.ContainsKey(new YamlScalarNode(key));

    private YamlNode? Get(string key)
    {
        if (!_known.Contains(key)) _known.Add(key);
        return _node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;
    }

    private static bool IsNull(YamlScalarNode scalar) =>
        scalar.Value is null or "" || scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && scalar.Value is "~" or "null";

    private static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode s => $"'{s.Value}'",
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => node.NodeType.ToString(),
    };

    /// <summary>The candidate nearest to <paramref name="key"/> (edit distance), when one is near enough to suggest.</summary>
    public static string? Closest(string key, IEnumerable<string> candidates) =>
        candidates.Select(c => (c, d: Distance(key.ToLowerInvariant(), c.ToLowerInvariant())))
            .Where(x => x.d <= Math.Max(2, key.Length / 3))
            .OrderBy(x => x.d).Select(x => x.c).FirstOrDefault();

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }
}
