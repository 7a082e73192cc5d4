using System.Text.Json.Nodes;
using static K8sLab.Preview.ResourceJson;

namespace K8sLab.Preview;

/// <summary>One resource that exists before and after the deploy (under the same or a new logical ID), and its status.</summary>
internal sealed record Pair(string Stack, string BeforeId, string AfterId, JsonObject Before, JsonObject After)
{
    public Change? Status { get; set; }
    public string Type => TypeOf(After);
}

/// <summary>
/// Both sets of templates and the settled status of every resource that exists on both sides. The
/// statuses feed each other (a replaced key pair changes an export, which changes the instances that
/// import it), so they are settled together over all stacks until nothing moves.
/// </summary>
internal sealed class Settlement
{
    public IReadOnlyDictionary<string, StackTemplate> Before { get; }
    public IReadOnlyDictionary<string, StackTemplate> After { get; }
    public CreateOnlyProperties CreateOnly { get; }
    public IReadOnlyDictionary<string, (string Stack, JsonNode? Value)> ExportsBefore { get; }
    public IReadOnlyDictionary<string, (string Stack, JsonNode? Value)> ExportsAfter { get; }

    private readonly Dictionary<(string Stack, string Id), Pair> _pairs = new();
    private HashSet<string> _changedExports = new();

    public Settlement(IReadOnlyDictionary<string, StackTemplate> before, IReadOnlyDictionary<string, StackTemplate> after, CreateOnlyProperties createOnly)
    {
        (Before, After, CreateOnly) = (before, after, createOnly);
        foreach (var stack in after.Keys.Where(before.ContainsKey))
            foreach (var (b, a) in ResourcePairing.PairUp(before[stack].Resources, after[stack].Resources))
                _pairs[(stack, a)] = new Pair(stack, b, a, (JsonObject)before[stack].Resources[b]!, (JsonObject)after[stack].Resources[a]!);
        (ExportsBefore, ExportsAfter) = (Exports(before), Exports(after));
    }

    public IEnumerable<Pair> PairsIn(string stack) => _pairs.Values.Where(p => p.Stack == stack);

    public bool ExportChanges(string name) => _changedExports.Contains(name);

    public void Settle()
    {
        // Each round classifies every resource again from the others' statuses. A status only moves
        // up (unchanged, metadata only, updated, replaced): a higher status elsewhere only adds
        // deploy-time reasons. So this ends, at most a few rounds per resource.
        for (var moved = true; moved;)
        {
            moved = false;
            _changedExports = ChangedExports();
            foreach (var p in _pairs.Values.Where(p => p.Status != Change.Replaced))
            {
                var next = Classify(p);
                if (Rank(next) > Rank(p.Status)) (p.Status, moved) = (next, true);
            }
        }
        _changedExports = ChangedExports();
    }

    private Change? Classify(Pair p)
    {
        if (ReplacedInText(p).Any() || ReplacedAtDeploy(p).Any()) return Change.Replaced;
        var updates = Merge(UpdatedInText(p), UpdatedAtDeploy(p));
        if (updates.Count == 0) return null;
        return updates.All(r => r.What == Reason.Metadata) ? Change.MetadataOnly : Change.Updated;
    }

    private static int Rank(Change? status) => status switch
    {
        null => 0,
        Change.MetadataOnly => 1,
        Change.Updated => 2,
        _ => 3,
    };

    /// <summary>Why a settled resource is replaced, or what its update changes.</summary>
    public IReadOnlyList<Reason> Reasons(Pair p) => p.Status == Change.Replaced
        ? Merge(ReplacedInText(p), ReplacedAtDeploy(p))
        : Merge(UpdatedInText(p), UpdatedAtDeploy(p));

    /// <summary>Whether a property changes (in text or at deploy time), not only an attribute such as DependsOn or Metadata.</summary>
    public bool PropertiesChange(Pair p) =>
        !Same(PropertiesOf(p.Before), PropertiesOf(p.After)) || UpdatedAtDeploy(p).Any();

    /// <summary>The create-only properties of the schema, then those CloudFormation's documentation adds.</summary>
    private IEnumerable<DocumentedReplacement> Replacing(string type) =>
        CreateOnly.For(type).Select(pointer => new DocumentedReplacement(type, pointer))
            .Concat(DocumentedUpdates.Replacements.Where(r => r.Type == type));

    /// <summary>The values a replacing property holds, without the keys inside it that change in place.</summary>
    private static IReadOnlyList<JsonNode?> Values(JsonNode resource, DocumentedReplacement property) =>
        CreateOnlyProperties.Select(PropertiesOf(resource), property.Pointer)
            .Select(v => property.InPlace is null ? v : Without(v?.DeepClone(), property.InPlace)).ToList();

    private static JsonNode? Without(JsonNode? node, string key)
    {
        if (node is JsonObject o)
        {
            o.Remove(key);
            foreach (var (_, child) in o) Without(child, key);
        }
        else if (node is JsonArray a)
        {
            foreach (var child in a) Without(child, key);
        }
        return node;
    }

    private IEnumerable<Reason> ReplacedInText(Pair p)
    {
        if (TypeOf(p.Before) != p.Type) yield return new Reason(Reason.TypeChanged);
        if (p.BeforeId != p.AfterId)
        {
            yield return new Reason(Reason.NewLogicalId);
            // What the new ID comes from besides the user data: a property whose update would stop and start
            // the instance, which the lab hashes into a node's logical ID (its type) so that it replaces it instead.
            if (DocumentedUpdates.StopStart.TryGetValue(p.Type, out var stopStart))
                foreach (var key in stopStart.Properties.Order(StringComparer.Ordinal))
                    if (PropertiesOf(p.Before)[key] is var b && PropertiesOf(p.After)[key] is var a && !Same(b, a))
                        yield return new Reason(key, $"{Literal(b)} → {Literal(a)}");
        }
        foreach (var property in Replacing(p.Type))
        {
            var (b, a) = (Values(p.Before, property), Values(p.After, property));
            if (b.Count != a.Count || b.Zip(a).Any(x => !Same(x.First, x.Second)))
                yield return new Reason(CreateOnlyProperties.NameOf(property.Pointer));
        }
    }

    private static string Literal(JsonNode? value) =>
        value is JsonValue v && v.TryGetValue<string>(out var text) ? text : value?.ToJsonString() ?? "none";

    private static IEnumerable<Reason> UpdatedInText(Pair p)
    {
        var (b, a) = (PropertiesOf(p.Before), PropertiesOf(p.After));
        foreach (var key in a.Select(x => x.Key).Union(b.Select(x => x.Key)))
            if (!Same(b[key], a[key])) yield return new Reason(key);
        foreach (var key in p.After.Select(x => x.Key).Union(p.Before.Select(x => x.Key)).Except(new[] { "Type", "Properties" }))
            if (!Same(p.Before[key], p.After[key])) yield return new Reason(key);
    }

    private IEnumerable<Reason> ReplacedAtDeploy(Pair p)
    {
        foreach (var property in Replacing(p.Type))
            if (Values(p.After, property).Select(v => Why(p.Stack, v)).FirstOrDefault(w => w is not null) is { } why)
                yield return new Reason(CreateOnlyProperties.NameOf(property.Pointer), why);
    }

    private IEnumerable<Reason> UpdatedAtDeploy(Pair p) =>
        PropertiesOf(p.After).Select(x => (x.Key, Why: Why(p.Stack, x.Value))).Where(x => x.Why is not null).Select(x => new Reason(x.Key, x.Why));

    private string? Why(string stack, JsonNode? value) =>
        Intrinsic.WhyChanges(value, (id, attribute) => ResourceChanges(stack, id, attribute), _changedExports.Contains);

    public static bool IsVersion(string attribute) =>
        attribute.EndsWith("Version", StringComparison.Ordinal) || attribute.EndsWith("VersionNumber", StringComparison.Ordinal);

    /// <summary>Types whose new versions come from one property only: an update elsewhere keeps the version.</summary>
    private static readonly Dictionary<string, string> VersionSource = new() { ["AWS::EC2::LaunchTemplate"] = "LaunchTemplateData" };

    /// <summary>
    /// The deploy-time rule: a replaced resource changes its physical ID and every attribute. An
    /// updated one changes its version attributes (names ending in Version or VersionNumber; for a
    /// type whose versions come from one property, a launch template's from LaunchTemplateData, only
    /// when that property changes), and what a stop and start changes when the update needs one
    /// (<see cref="DocumentedUpdates.StopStart"/>: an instance's public address). Any other ID, ARN or
    /// address is taken to survive an update: true of the types in this lab as far as their
    /// documentation says, not checked for every type.
    /// </summary>
    private string? ResourceChanges(string stack, string id, string? attribute)
    {
        if (_pairs.GetValueOrDefault((stack, id)) is not { } p) return null;
        if (p.Status == Change.Replaced) return $"{id} is replaced";
        if (p.Status != Change.Updated || attribute is null) return null;
        if (DocumentedUpdates.StopStart.TryGetValue(p.Type, out var stopStart) && stopStart.Attributes.Contains(attribute)
            && UpdatedInText(p).Concat(UpdatedAtDeploy(p)).FirstOrDefault(r => stopStart.Properties.Contains(r.What)) is { } cause)
            return $"{id} is stopped and started for its {cause.What}: new {attribute}";
        if (!IsVersion(attribute)) return null;
        if (VersionSource.TryGetValue(p.Type, out var source)
            && !UpdatedInText(p).Concat(UpdatedAtDeploy(p)).Any(r => r.What == source)) return null;
        return $"{id} is updated: new {attribute}";
    }

    /// <summary>Text reasons first; a deploy-time reason only for a property whose text is unchanged.</summary>
    private static IReadOnlyList<Reason> Merge(IEnumerable<Reason> inText, IEnumerable<Reason> atDeploy)
    {
        var text = inText.ToList();
        return text.Concat(atDeploy.Where(d => text.All(t => t.What != d.What))).ToList();
    }

    private HashSet<string> ChangedExports() => ExportsAfter
        .Where(e => !ExportsBefore.TryGetValue(e.Key, out var old) || !Same(old.Value, e.Value.Value) || Why(e.Value.Stack, e.Value.Value) is not null)
        .Select(e => e.Key).ToHashSet();

    private static Dictionary<string, (string Stack, JsonNode? Value)> Exports(IReadOnlyDictionary<string, StackTemplate> set)
    {
        var exports = new Dictionary<string, (string, JsonNode?)>();
        foreach (var (stack, template) in set)
            foreach (var (_, output) in template.Template["Outputs"] as JsonObject ?? new JsonObject())
                if (output?["Export"]?["Name"] is JsonValue v && v.TryGetValue<string>(out var name))
                    exports[name] = (stack, output["Value"]);
        return exports;
    }
}
