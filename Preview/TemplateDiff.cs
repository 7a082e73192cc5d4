using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using K8sLab.Nodes;
using K8sLab.Tagging;

namespace K8sLab.Preview;

/// <summary>A synthesized stack: its template and the stack tags CDK deploys it with.</summary>
public sealed record StackTemplate(JsonObject Template, IReadOnlyDictionary<string, string>? Tags = null)
{
    public static StackTemplate Parse(string json, IReadOnlyDictionary<string, string>? tags = null) =>
        new(JsonNode.Parse(json) as JsonObject ?? throw new ArgumentException("a template must be a JSON object"), tags);

    public JsonObject Resources => Template["Resources"] as JsonObject ?? new JsonObject();
}

/// <summary>
/// What deploying one set of templates over another does to each resource, read from the templates
/// alone (no AWS account, no deployed stack):
/// <list type="bullet">
/// <item>a resource is <b>replaced</b> when its logical ID is new (an instance is followed by its
///   <c>k8slab:node</c> tag; any other resource by its ID with the hashes taken out, when that is
///   unique on both sides), its type changes, or a create-only property changes, in its text or at
///   deploy time (a reference to a replaced resource, or to a launch template's new version: see
///   <c>ResourceChanges</c> and <see cref="Intrinsic"/>);</item>
/// <item><b>updated</b> when any other property (or attribute such as DependsOn) changes, in text or at deploy time;</item>
/// <item><b>added</b> or <b>removed</b> otherwise.</item>
/// </list>
/// The statuses feed each other (a replaced key pair changes an export, which changes the instances
/// that import it), so they are settled together over all stacks until nothing moves.
/// </summary>
public static partial class TemplateDiff
{
    public const string InstanceResource = "AWS::EC2::Instance";

    public static DiffResult Compare(IReadOnlyDictionary<string, StackTemplate> before,
        IReadOnlyDictionary<string, StackTemplate> after, CreateOnlyProperties createOnly)
    {
        var pairs = new Dictionary<(string Stack, string Id), Pair>();
        foreach (var stack in after.Keys.Where(before.ContainsKey))
            foreach (var (b, a) in PairUp(before[stack].Resources, after[stack].Resources))
                pairs[(stack, a)] = new Pair(stack, b, a, (JsonObject)before[stack].Resources[b]!, (JsonObject)after[stack].Resources[a]!);

        var world = new World(before, after, createOnly, pairs);
        world.Settle();

        var names = after.Keys.Concat(before.Keys.Where(k => !after.ContainsKey(k)));
        return new DiffResult(names.Select(stack => world.StackChanges(stack)).ToList());
    }

    /// <summary>The logical IDs of the same resource before and after: same ID, same node tag, or same ID but for its hashes.</summary>
    internal static IEnumerable<(string Before, string After)> PairUp(JsonObject before, JsonObject after)
    {
        var pairs = before.Select(r => r.Key).Where(after.ContainsKey).Select(id => (id, id)).ToList();
        var restBefore = before.Where(r => !after.ContainsKey(r.Key)).ToList();
        var restAfter = after.Where(r => !before.ContainsKey(r.Key)).ToList();

        void Match(Func<KeyValuePair<string, JsonNode?>, string?> key)
        {
            var left = restBefore.Where(r => key(r) is not null).GroupBy(r => key(r)!).Where(g => g.Count() == 1).ToDictionary(g => g.Key, g => g.Single().Key);
            var right = restAfter.Where(r => key(r) is not null).GroupBy(r => key(r)!).Where(g => g.Count() == 1).ToDictionary(g => g.Key, g => g.Single().Key);
            foreach (var (k, b) in left)
                if (right.TryGetValue(k, out var a)) pairs.Add((b, a));
            restBefore.RemoveAll(r => pairs.Any(p => p.Item1 == r.Key));
            restAfter.RemoveAll(r => pairs.Any(p => p.Item2 == r.Key));
        }

        Match(r => TypeOf(r.Value) == InstanceResource ? Tag(r.Value, LabTags.Node) : null);
        Match(r => $"{TypeOf(r.Value)} {Stem(r.Key)}");
        return pairs;
    }

    /// <summary>A logical ID without its hashes (runs of 8 or more hex digits that hold a digit).</summary>
    internal static string Stem(string logicalId) =>
        HexRun().Replace(logicalId, m => m.Value.Any(char.IsAsciiDigit) ? "" : m.Value);

    public static string TypeOf(JsonNode? resource) =>
        resource?["Type"] is JsonValue v && v.TryGetValue<string>(out var type) ? type : "?";

    internal static JsonObject PropertiesOf(JsonNode? resource) => resource?["Properties"] as JsonObject ?? new JsonObject();

    /// <summary>A literal tag value from a resource's Tags list.</summary>
    public static string? Tag(JsonNode? resource, string key) =>
        (PropertiesOf(resource)["Tags"] as JsonArray)?.OfType<JsonObject>()
            .Where(t => t["Key"] is JsonValue k && k.TryGetValue<string>(out var s) && s == key)
            .Select(t => t["Value"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null)
            .FirstOrDefault();

    private static bool Same(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(a, b);

    public static bool IsVersion(string attribute) =>
        attribute.EndsWith("Version", StringComparison.Ordinal) || attribute.EndsWith("VersionNumber", StringComparison.Ordinal);

    /// <summary>Types whose new versions come from one property only: an update elsewhere keeps the version.</summary>
    private static readonly Dictionary<string, string> VersionSource = new() { ["AWS::EC2::LaunchTemplate"] = "LaunchTemplateData" };

    [GeneratedRegex("[0-9A-Fa-f]{8,}")]
    private static partial Regex HexRun();

    private sealed record Pair(string Stack, string BeforeId, string AfterId, JsonObject Before, JsonObject After)
    {
        public Change? Status { get; set; }
        public string Type => TypeOf(After);
    }

    /// <summary>Both sets of templates and the settled status of every resource that exists on both sides.</summary>
    private sealed class World(IReadOnlyDictionary<string, StackTemplate> before, IReadOnlyDictionary<string, StackTemplate> after,
        CreateOnlyProperties createOnly, Dictionary<(string Stack, string Id), Pair> pairs)
    {
        private readonly Dictionary<string, (string Stack, JsonNode? Value)> _exportsBefore = Exports(before);
        private readonly Dictionary<string, (string Stack, JsonNode? Value)> _exportsAfter = Exports(after);
        private HashSet<string> _changedExports = new();

        public void Settle()
        {
            foreach (var p in pairs.Values)
                p.Status = ReplacedInText(p).Any() ? Change.Replaced : UpdatedInText(p).Any() ? Change.Updated : null;
            // A status only moves up (unchanged, updated, replaced), so this ends: at most twice per resource.
            for (var moved = true; moved;)
            {
                moved = false;
                _changedExports = ChangedExports();
                foreach (var p in pairs.Values.Where(p => p.Status != Change.Replaced))
                {
                    var next = ReplacedAtDeploy(p).Any() ? Change.Replaced : p.Status ?? (UpdatedAtDeploy(p).Any() ? Change.Updated : null);
                    if (next != p.Status) (p.Status, moved) = (next, true);
                }
            }
            _changedExports = ChangedExports();
        }

        public StackChanges StackChanges(string stack)
        {
            if (!before.ContainsKey(stack))
                return new(stack, StackPresence.Added, Whole(after[stack], Change.Added), Array.Empty<string>(), Array.Empty<string>());
            if (!after.ContainsKey(stack))
                return new(stack, StackPresence.Removed, Whole(before[stack], Change.Removed), Array.Empty<string>(), Array.Empty<string>());

            var changes = new List<ResourceChange>();
            foreach (var p in pairs.Values.Where(p => p.Stack == stack && p.Status is not null))
            {
                var reasons = p.Status == Change.Replaced
                    ? Merge(ReplacedInText(p), ReplacedAtDeploy(p))
                    : Merge(UpdatedInText(p), UpdatedAtDeploy(p));
                changes.Add(new ResourceChange(p.Status!.Value, p.AfterId, p.Type, reasons,
                    p.BeforeId == p.AfterId ? null : p.BeforeId, Instance(p.Before, p.After)));
            }
            var paired = pairs.Values.Where(p => p.Stack == stack).ToList();
            changes.AddRange(after[stack].Resources.Where(r => paired.All(p => p.AfterId != r.Key))
                .Select(r => new ResourceChange(Change.Added, r.Key, TypeOf(r.Value), Array.Empty<Reason>(), Instance: Instance(null, r.Value))));
            changes.AddRange(before[stack].Resources.Where(r => paired.All(p => p.BeforeId != r.Key))
                .Select(r => new ResourceChange(Change.Removed, r.Key, TypeOf(r.Value), Array.Empty<Reason>(), Instance: Instance(r.Value, null))));

            return new(stack, StackPresence.Both, Sorted(changes), Notes(before[stack], after[stack]), Warnings(stack, changes));
        }

        private IEnumerable<Reason> ReplacedInText(Pair p)
        {
            if (TypeOf(p.Before) != p.Type) yield return new Reason(Reason.TypeChanged);
            if (p.BeforeId != p.AfterId) yield return new Reason(Reason.NewLogicalId);
            foreach (var pointer in createOnly.For(p.Type))
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
            foreach (var pointer in createOnly.For(p.Type))
                if (CreateOnlyProperties.Select(PropertiesOf(p.After), pointer).Select(v => Why(p.Stack, v)).FirstOrDefault(w => w is not null) is { } why)
                    yield return new Reason(CreateOnlyProperties.NameOf(pointer), why);
        }

        private IEnumerable<Reason> UpdatedAtDeploy(Pair p) =>
            PropertiesOf(p.After).Select(x => (x.Key, Why: Why(p.Stack, x.Value))).Where(x => x.Why is not null).Select(x => new Reason(x.Key, x.Why));

        private string? Why(string stack, JsonNode? value) =>
            Intrinsic.WhyChanges(value, (id, attribute) => ResourceChanges(stack, id, attribute), _changedExports.Contains);

        /// <summary>
        /// The deploy-time rule, conservative on purpose: a replaced resource changes its physical ID and
        /// every attribute; an updated one only its version attributes (names ending in Version or
        /// VersionNumber), and for a type whose versions come from one property (a launch template's
        /// from LaunchTemplateData) only when that property changes. IDs, ARNs and addresses are taken
        /// to survive an update.
        /// </summary>
        private string? ResourceChanges(string stack, string id, string? attribute)
        {
            if (pairs.GetValueOrDefault((stack, id)) is not { } p) return null;
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

        private HashSet<string> ChangedExports() => _exportsAfter
            .Where(e => !_exportsBefore.TryGetValue(e.Key, out var old) || !Same(old.Value, e.Value.Value) || Why(e.Value.Stack, e.Value.Value) is not null)
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

        private IReadOnlyList<string> Warnings(string stack, IReadOnlyList<ResourceChange> changes)
        {
            var warnings = new List<string>();
            var silent = changes.Where(c => c.Kind == Change.Updated && c.Instance is not null
                && (c.Instance.UserDataChanges || c.Reasons.Any(r => r.What == "UserData"))).ToList();
            if (silent.Count > 0)
                warnings.Add($"{Names(silent)}: the user data changes but the instance is only updated; EC2 runs user data at first boot only, so the new document never runs");

            var importers = before.SelectMany(s => Intrinsic.ImportedExports(s.Value.Template).Select(name => (name, s.Key)))
                .GroupBy(x => x.name).ToDictionary(g => g.Key, g => g.Select(x => x.Key).Distinct().ToList());
            foreach (var (name, (exporter, _)) in _exportsBefore.Where(e => e.Value.Stack == stack))
                if (importers.TryGetValue(name, out var users) && (!_exportsAfter.ContainsKey(name) || _changedExports.Contains(name)))
                    warnings.Add($"export {name} {(_exportsAfter.ContainsKey(name) ? "changes" : "disappears")} while {string.Join(", ", users)} {(users.Count == 1 ? "imports" : "import")} it: CloudFormation refuses to update {exporter}");

            foreach (var c in changes.Where(c => c.Kind == Change.Updated && !createOnly.Knows(c.Type)))
                warnings.Add($"{c.LogicalId} ({c.Type}): cfn-lint has no schema for this type; an update may replace it");
            return warnings;
        }
    }

    private static string Names(IEnumerable<ResourceChange> instances) =>
        NodeNames.Compact(instances.Select(c => c.Instance?.Node ?? c.LogicalId));

    private static InstanceInfo? Instance(JsonNode? before, JsonNode? after)
    {
        var any = after ?? before;
        if (TypeOf(any) != InstanceResource) return null;
        return new InstanceInfo(Tag(any, LabTags.Node),
            before is null ? null : Tag(before, LabTags.Fingerprint),
            after is null ? null : Tag(after, LabTags.Fingerprint));
    }

    private static IReadOnlyList<ResourceChange> Whole(StackTemplate stack, Change kind) => Sorted(stack.Resources
        .Select(r => new ResourceChange(kind, r.Key, TypeOf(r.Value), Array.Empty<Reason>(),
            Instance: kind == Change.Added ? Instance(null, r.Value) : Instance(r.Value, null))).ToList());

    /// <summary>Replacements, additions, removals, updates; in each, the nodes first, by name (worker-2 before worker-10).</summary>
    private static IReadOnlyList<ResourceChange> Sorted(IEnumerable<ResourceChange> changes) => changes
        .OrderBy(c => c.Kind).ThenBy(c => c.Instance?.Node is null)
        .ThenBy(c => NameOrder(c.Instance?.Node ?? c.LogicalId).Prefix, StringComparer.Ordinal)
        .ThenBy(c => NameOrder(c.Instance?.Node ?? c.LogicalId).Index)
        .ThenBy(c => c.LogicalId, StringComparer.Ordinal).ToList();

    private static (string Prefix, long Index) NameOrder(string name)
    {
        var digits = name.Length - name.Reverse().TakeWhile(char.IsAsciiDigit).Count();
        return digits < name.Length && digits > 0 && long.TryParse(name[digits..], out var index) ? (name[..digits], index) : (name, -1);
    }

    /// <summary>Parameters, outputs, rules, other sections and stack tags, one line each.</summary>
    private static IReadOnlyList<string> Notes(StackTemplate before, StackTemplate after)
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

        var (tb, ta) = (before.Tags ?? new Dictionary<string, string>(), after.Tags ?? new Dictionary<string, string>());
        foreach (var key in ta.Keys.Union(tb.Keys))
        {
            if (!tb.ContainsKey(key)) notes.Add($"stack tag {key}={ta[key]} added");
            else if (!ta.ContainsKey(key)) notes.Add($"stack tag {key}={tb[key]} removed");
            else if (tb[key] != ta[key]) notes.Add($"stack tag {key}: {tb[key]} → {ta[key]}");
        }
        return notes;
    }

    private static string Value(string section, JsonNode? output) =>
        section == "Outputs" && Text(output) is { } text ? $": {text}" : "";

    /// <summary>An output's value when it is plain text, shortened to one readable line.</summary>
    private static string? Text(JsonNode? output) =>
        output?["Value"] is JsonValue v && v.TryGetValue<string>(out var s) ? (s.Length > 100 ? s[..99] + "…" : s).ReplaceLineEndings(" ") : null;
}
