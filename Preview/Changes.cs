namespace K8sLab.Preview;

/// <summary>
/// What a deploy does to one resource. <see cref="MetadataOnly"/>: only its template Metadata changes
/// (cdk_nag suppressions, for example), which CloudFormation records without touching the resource.
/// </summary>
public enum Change { Replaced, Added, Removed, Updated, MetadataOnly }

/// <summary>
/// Why a resource is replaced or updated: a property (or "new logical ID", "Type"), and, when its
/// text is unchanged but its value changes at deploy time, the clause that says why.
/// </summary>
public sealed record Reason(string What, string? Because = null)
{
    public const string NewLogicalId = "new logical ID";
    public const string TypeChanged = "Type";
    public const string Metadata = "Metadata";

    public override string ToString() => Because is null ? What : $"{What} ({Because})";
}

/// <summary>An instance's node name, user-data fingerprints (full SHA-256) and role, from its k8slab tags.</summary>
public sealed record InstanceInfo(string? Node, string? FingerprintBefore, string? FingerprintAfter, string? Role = null)
{
    public bool UserDataChanges => FingerprintBefore is not null && FingerprintAfter is not null && FingerprintBefore != FingerprintAfter;
}

/// <summary>
/// One resource's change. <see cref="LogicalId"/> is the ID after the deploy (before it, for a removed
/// resource); <see cref="PreviousLogicalId"/> is set when a replacement comes with a new logical ID.
/// <see cref="Reasons"/> say why a resource is replaced, or which properties an update changes.
/// </summary>
public sealed record ResourceChange(Change Kind, string LogicalId, string Type, IReadOnlyList<Reason> Reasons,
    string? PreviousLogicalId = null, InstanceInfo? Instance = null);

public enum StackPresence { Both, Added, Removed }

/// <summary>
/// One stack's changes. <see cref="Notes"/> are the brief lines on parameters, outputs, rules, other
/// template sections and stack tags; <see cref="Warnings"/> are changes that a deploy gets wrong or refuses.
/// </summary>
/// <see cref="Convergence"/>: what the deploy makes the bastion's convergence do, in the order of its work
/// (the stack that holds the convergence request); <see cref="Refused"/>: the convergence would refuse it.
public sealed record StackChanges(string Stack, StackPresence Presence, IReadOnlyList<ResourceChange> Resources,
    IReadOnlyList<string> Notes, IReadOnlyList<string> Warnings)
{
    public IReadOnlyList<string> Convergence { get; init; } = Array.Empty<string>();
    public bool Refused { get; init; }

    public bool Unchanged => Presence == StackPresence.Both && Resources.Count == 0 && Notes.Count == 0 && Warnings.Count == 0 && Convergence.Count == 0;
}

public sealed record DiffResult(IReadOnlyList<StackChanges> Stacks)
{
    public bool NothingChanges => Stacks.All(s => s.Unchanged);

    /// <summary>The convergence would refuse this deploy (<see cref="PreviewCommand.Refused"/> is the exit status).</summary>
    public bool Refused => Stacks.Any(s => s.Refused);

    public StackChanges this[string stack] => Stacks.Single(s => s.Stack == stack);

    public IEnumerable<(string Stack, ResourceChange Change)> All =>
        Stacks.SelectMany(s => s.Resources.Select(r => (s.Stack, r)));
}
