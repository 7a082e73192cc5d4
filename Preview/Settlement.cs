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
        foreach (var p in _pairs.Values)
            p.Status = ReplacedInText(p).Any() ? Change.Replaced : UpdatedInText(p).Any() ? Change.Updated : null;
        // A status only moves up (unchanged, updated, replaced), so this ends: at most twice per resource.
        for (var moved = true; moved;)
        {
            moved = false;
            _changedExports = ChangedExports();
            foreach (var p in _pairs.Values.Where(p => p.Status != Change.Replaced))
            {
                var next = ReplacedAtDeploy(p).Any() ? Change.Replaced : p.Status ?? (UpdatedAtDeploy(p).Any() ? Change.Updated : null);
                if (next != p.Status) (p.Status, moved) = (next, true);
            }
        }
        _changedExports = ChangedExports();
    }

    /// <summary>Why a settled resource is replaced, or what its update changes.</summary>
    public IReadOnlyList<Reason> Reasons(Pair p) => p.Status == Change.Replaced
        ? Merge(ReplacedInText(p), ReplacedAtDeploy(p))
        : Merge(UpdatedInText(p), UpdatedAtDeploy(p));

    private IEnumerable<Reason> ReplacedInText(Pair p)
    {
        if (TypeOf(p.Before) != p.Type) yield return new Reason(Reason.TypeChanged);
        if (p.BeforeId != p.AfterId) yield return new Reason(Reason.NewLogicalId);
        foreach (var pointer in CreateOnly.For(p.Type))
        {
            var (b, a) = (CreateOnlyProperties.Select(PropertiesOf(p.Before), pointer), CreateOnlyProperties.Select(PropertiesOf(p.After), pointer));
            if (b.Count != a.Count || b.Zip(a).Any(x => !Same(x.First, x.Second)))
                yield return new Reason(CreateOnlyProperties.NameOf(pointer));
        }
    }

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
        foreach (var pointer in CreateOnly.For(p.Type))
            if (CreateOnlyProperties.Select(PropertiesOf(p.After), pointer).Select(v => Why(p.Stack, v)).FirstOrDefault(w => w is not null) is { } why)
                yield return new Reason(CreateOnlyProperties.NameOf(pointer), why);
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
    /// The deploy-time rule, conservative on purpose: a replaced resource changes its physical ID and
    /// every attribute; an updated one only its version attributes (names ending in Version or
    /// VersionNumber), and for a type whose versions come from one property (a launch template's
    /// from LaunchTemplateData) only when that property changes. IDs, ARNs and addresses are taken
    /// to survive an update.
    /// </summary>
    private string? ResourceChanges(string stack, string id, string? attribute)
    {
        if (_pairs.GetValueOrDefault((stack, id)) is not { } p) return null;
        if (p.Status == Change.Replaced) return $"{id} is replaced";
        if (p.Status != Change.Updated || attribute is null || !IsVersion(attribute)) return null;
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
