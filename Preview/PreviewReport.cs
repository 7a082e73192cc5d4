using K8sLab.Nodes;

namespace K8sLab.Preview;

/// <summary>
/// The preview as text: per changed stack, one line per change, instances grouped by what happens to
/// them (<c>replaced: worker-1..2 (user data cdfb4a → 93cdfd)</c>), then, on one line, the resources
/// whose Metadata alone changes, then the parameters, outputs, rules and stack tags that change, then warnings,
/// then what the convergence does (<c>rolled: worker-1..2 (surge 1: ...)</c>). "nothing changes" when nothing does.
/// </summary>
public static class PreviewReport
{
    public const string NothingChanges = "nothing changes";
    public const string ConvergenceHeading = "  then the convergence, in this order:";

    /// <summary>Fingerprints are shown by their first 6 hex digits.</summary>
    public static string Short(string fingerprint) => fingerprint[..Math.Min(6, fingerprint.Length)];

    public static string Format(DiffResult result)
    {
        if (result.NothingChanges) return NothingChanges;
        var lines = new List<string>();
        foreach (var stack in result.Stacks.Where(s => !s.Unchanged))
        {
            lines.Add(stack.Presence switch
            {
                StackPresence.Added => $"{stack.Stack} (new stack)",
                StackPresence.Removed => $"{stack.Stack} (no longer in the app: cdk deploy leaves the deployed stack as it is)",
                _ => stack.Stack,
            });
            foreach (var kind in Enum.GetValues<Change>().Where(k => k != Change.MetadataOnly))
            {
                var ofKind = stack.Resources.Where(r => r.Kind == kind).ToList();
                foreach (var same in ofKind.Where(r => r.Instance is not null).GroupBy(InstanceDetail))
                    lines.Add($"  {Label(kind)}: {NodeNames.Compact(same.Select(r => r.Instance!.Node ?? r.LogicalId))}{Parenthesized(same.Key)}");
                foreach (var r in ofKind.Where(r => r.Instance is null))
                    lines.Add($"  {Label(kind)}: {r.LogicalId} ({ResourceDetail(r)})");
            }
            // Not an update on AWS: CloudFormation only records the new Metadata. One line, names only.
            var metadata = stack.Resources.Where(r => r.Kind == Change.MetadataOnly).ToList();
            if (metadata.Count > 0)
                lines.Add($"  metadata only: {string.Join(", ", new[] { NodeNames.Compact(metadata.Where(r => r.Instance is not null).Select(r => r.Instance!.Node ?? r.LogicalId)) }
                    .Where(n => n.Length > 0).Concat(metadata.Where(r => r.Instance is null).Select(r => r.LogicalId)))}");
            lines.AddRange(stack.Notes.Select(n => $"  {n}"));
            lines.AddRange(stack.Warnings.Select(w => $"  warning: {w}"));
            // What the bastion's convergence then does (converge/k8slab_converge/changes.py), in the order of its work.
            if (stack.Convergence.Count > 0)
            {
                lines.Add(ConvergenceHeading);
                lines.AddRange(stack.Convergence.Select(c => $"    {c}"));
            }
        }
        var unchanged = result.Stacks.Where(s => s.Unchanged).Select(s => s.Stack).ToList();
        if (unchanged.Count > 0) lines.Add($"unchanged: {string.Join(", ", unchanged)}");
        return string.Join('\n', lines);
    }

    private static string Label(Change kind) => kind.ToString().ToLowerInvariant();

    private static string Parenthesized(string detail) => detail.Length == 0 ? "" : $" ({detail})";

    /// <summary>
    /// The user data first when it changes (it explains the new logical ID and launch template, where
    /// the document lives); otherwise the reasons, then the unchanged fingerprint.
    /// </summary>
    private static string InstanceDetail(ResourceChange r)
    {
        var i = r.Instance!;
        // A new logical ID that a stop-and-start property explains (a node's type) goes without saying.
        var stopStart = DocumentedUpdates.StopStart.TryGetValue(r.Type, out var s) ? s.Properties : new HashSet<string>();
        var explained = r.Kind == Change.Replaced && r.Reasons.Any(x => stopStart.Contains(x.What));
        var reasons = r.Reasons
            .Where(x => !(i.UserDataChanges && (x.What == Reason.NewLogicalId || x.What.StartsWith("LaunchTemplate", StringComparison.Ordinal))))
            .Where(x => !(explained && x.What == Reason.NewLogicalId))
            .Select(x => explained && stopStart.Contains(x.What) ? $"{x.What} {x.Because}" : x.ToString()).ToList();
        if (i.UserDataChanges)
        {
            var userData = $"user data {Short(i.FingerprintBefore!)} → {Short(i.FingerprintAfter!)}";
            return r.Kind == Change.Replaced
                ? string.Join(", ", reasons.Prepend(userData))
                : $"{string.Join(", ", reasons)}; {userData}";
        }
        var fingerprint = i.FingerprintAfter ?? i.FingerprintBefore;
        var same = fingerprint is null ? null : $"user data {Short(fingerprint)}";
        return string.Join("; ", new[] { string.Join(", ", reasons), same }.Where(s => !string.IsNullOrEmpty(s)));
    }

    private static string ResourceDetail(ResourceChange r)
    {
        var reasons = r.Reasons.Select(x => x.What == Reason.NewLogicalId && r.PreviousLogicalId is not null
            ? $"{Reason.NewLogicalId}, was {r.PreviousLogicalId}" : x.ToString()).ToList();
        return reasons.Count == 0 ? r.Type : $"{r.Type}; {string.Join(", ", reasons)}";
    }
}
