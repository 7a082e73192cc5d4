namespace K8sLab.Bootstrap;

/// <summary>
/// The part of cloud-init's <c>#cloud-config</c> schema the lab uses, typed. Property names map to
/// the schema's keys in snake_case (<see cref="CloudConfigRenderer"/>); unset values are left out.
/// </summary>
public sealed record CloudConfig
{
    public string? Hostname { get; init; }
    public bool? PreserveHostname { get; init; }
    public bool? SshPwauth { get; init; }
    public bool? DisableRoot { get; init; }
    public SwapSettings? Swap { get; init; }
    public bool? PackageUpdate { get; init; }
    public IReadOnlyList<string>? Packages { get; init; }
    public IReadOnlyList<WriteFile>? WriteFiles { get; init; }
    public IReadOnlyList<string>? Runcmd { get; init; }
}

/// <summary>A file cloud-init writes before <c>runcmd</c> runs; <c>Encoding: gz+b64</c> for compressed content.</summary>
public sealed record WriteFile(string Path, string Content, string Permissions = "0644", string Owner = "root:root", string? Encoding = null);

/// <summary><c>size: 0</c> tells cloud-init to create no swap file.</summary>
public sealed record SwapSettings(int Size);
