using System.Reflection;
using System.Text.Json;

namespace K8sLab.Cluster;

/// <summary>A default variable of kubespray: the file that defines it and its value where that is a plain value.</summary>
public sealed record KubesprayVariable(string Name, string File, JsonElement? Default);

/// <summary>An extra variable (<c>-e NAME=VALUE</c>) the lab passes to one of kubespray's playbooks, and the
/// file of the release that defines or reads it for that playbook.</summary>
public sealed record KubesprayExtraVariable(string Playbook, string Name, string File);

/// <summary>
/// What the lab knows of the pinned kubespray release, generated from the release itself by
/// <c>scripts/kubespray-facts.py</c> into <c>converge/contract/kubespray.txt</c> (its header names the
/// source): the Kubernetes versions it installs per architecture, its default and minimum version,
/// its default variables, its playbooks, and the extra variables the lab passes that they take. Facts only; nothing here is kubespray's code.
/// </summary>
public sealed class KubesprayRelease
{
    public const string File = "converge/contract/kubespray.txt";
    public const string ResourceName = "converge/contract/kubespray.txt";

    public string Tag { get; }
    public string Commit { get; }
    /// <summary>kubespray's kube_version: what a cluster runs unless kubernetes.version says otherwise.</summary>
    public string Default { get; }
    public string Minimum { get; }
    /// <summary>Every version, newest first, with the architectures (amd64, arm64) kubespray has its binaries' checksums for.</summary>
    public IReadOnlyList<(KubernetesVersion Version, IReadOnlyList<string> Architectures)> Versions { get; }
    /// <summary>Default variables by name (a name may be defined in more than one role's defaults).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<KubesprayVariable>> Variables { get; }
    /// <summary>kubectl's SHA-256 by (version, architecture), as the release pins it (kubectl_checksums).</summary>
    public IReadOnlyDictionary<(string Version, string Architecture), string> KubectlSha256 { get; }
    /// <summary>The ansible-core range the release asserts: at least <c>Min</c>, below <c>Max</c>.</summary>
    public (string Min, string Max) Ansible { get; }
    /// <summary>The playbooks at the root and in playbooks/, by path.</summary>
    public IReadOnlyList<string> Playbooks { get; }
    /// <summary>Of the playbooks the lab runs, the extra variables it passes that each takes.</summary>
    public IReadOnlyList<KubesprayExtraVariable> ExtraVariables { get; }

    private KubesprayRelease(string tag, string commit, string @default, string minimum,
        IReadOnlyList<(KubernetesVersion, IReadOnlyList<string>)> versions, IReadOnlyDictionary<string, IReadOnlyList<KubesprayVariable>> variables,
        IReadOnlyDictionary<(string, string), string> kubectl, (string, string) ansible, IReadOnlyList<string> playbooks,
        IReadOnlyList<KubesprayExtraVariable> extraVariables)
    {
        (Tag, Commit, Default, Minimum, Versions, Variables) = (tag, commit, @default, minimum, versions, variables);
        (KubectlSha256, Ansible, Playbooks, ExtraVariables) = (kubectl, ansible, playbooks, extraVariables);
    }

    /// <summary>The ansible-core series the release needs ("2.18"): its minimum's major and minor.</summary>
    public string AnsibleCoreSeries => Ansible.Min.Length > 0 ? string.Join('.', Ansible.Min.Split('.').Take(2))
        : throw new InvalidOperationException($"{File}: kubespray {Tag} has no ansible line (regenerate it with scripts/kubespray-facts.py)");

    private static readonly Lazy<KubesprayRelease> Built = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{ResourceName} is not embedded in {Assembly.GetExecutingAssembly().GetName().Name}");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    });

    /// <summary>The table built into the app (<see cref="File"/>, embedded).</summary>
    public static KubesprayRelease Embedded => Built.Value;

    public static KubesprayRelease Parse(string text)
    {
        string? tag = null, commit = null, @default = null, minimum = null;
        var versions = new List<(KubernetesVersion, IReadOnlyList<string>)>();
        var variables = new Dictionary<string, List<KubesprayVariable>>();
        var kubectl = new Dictionary<(string, string), string>();
        (string, string)? ansible = null;
        var playbooks = new List<string>();
        var extras = new List<KubesprayExtraVariable>();
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var f = line.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);
            switch (f[0])
            {
                case "release" when f.Length == 3: (tag, commit) = (f[1], f[2]); break;
                case "default" when f.Length == 2 && KubernetesVersion.TryParse(f[1], out _): @default = f[1]; break;
                case "minimum" when f.Length == 2 && KubernetesVersion.TryParse(f[1], out _): minimum = f[1]; break;
                case "version" when f.Length >= 3 && KubernetesVersion.TryParse(f[1], out var version):
                    versions.Add((version, line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2..]));
                    break;
                case "variable" when f.Length >= 3:
                    if (!variables.TryGetValue(f[1], out var list)) variables[f[1]] = list = new List<KubesprayVariable>();
                    list.Add(new KubesprayVariable(f[1], f[2], f.Length == 4 ? JsonDocument.Parse(f[3]).RootElement.Clone() : null));
                    break;
                case "kubectl" when f.Length == 4 && f[3].Length == 64: kubectl[(f[1], f[2])] = f[3]; break;
                case "ansible" when f.Length == 3: ansible = (f[1], f[2]); break;
                case "playbook" when f.Length == 2: playbooks.Add(f[1]); break;
                case "extra" when f.Length == 4: extras.Add(new KubesprayExtraVariable(f[1], f[2], f[3])); break;
                default:
                    throw new FormatException($"{File}: line {lineNumber}: expected release, default, minimum, version, variable, kubectl, ansible, playbook or extra, got '{line}'");
            }
        }
        if (tag is null || commit is null || @default is null || minimum is null || versions.Count == 0)
            throw new FormatException($"{File}: needs a release, default, minimum and at least one version line");
        if (!versions.Any(v => v.Item1.ToString() == @default))
            throw new FormatException($"{File}: the default {@default} is not among the versions");
        if (extras.FirstOrDefault(e => !playbooks.Contains(e.Playbook)) is { } stray)
            throw new FormatException($"{File}: extra {stray.Playbook} {stray.Name}: {stray.Playbook} is not among the playbook lines");
        return new KubesprayRelease(tag, commit, @default, minimum, versions,
            variables.ToDictionary(v => v.Key, v => (IReadOnlyList<KubesprayVariable>)v.Value), kubectl, ansible ?? ("", ""), playbooks, extras);
    }

    /// <summary>A plain default value of kubespray's (its string form), as the release defines it.</summary>
    public string DefaultValue(string variable) =>
        Variables.TryGetValue(variable, out var defs) && defs.FirstOrDefault(d => d.Default is not null)?.Default is { } value
            ? (value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText())
            : throw new InvalidOperationException($"{File}: kubespray {Tag} has no plain default for {variable}");

    /// <summary>The versions kubespray installs on <paramref name="architecture"/> (amd64, arm64).</summary>
    public IEnumerable<KubernetesVersion> For(string architecture) =>
        Versions.Where(v => v.Architectures.Contains(architecture)).Select(v => v.Version);

    /// <summary>Names among <paramref name="names"/> that no default of this release defines: a misspelt variable does nothing in kubespray.</summary>
    public IReadOnlyList<string> Unknown(IEnumerable<string> names) => names.Where(n => !Variables.ContainsKey(n)).ToList();

    /// <summary>"1.33.0 to 1.33.11, 1.34.0 to 1.34.7, ...": the versions, each minor's patches as a range where they have no gap.</summary>
    public static string Describe(IEnumerable<KubernetesVersion> versions) => string.Join(", ",
        versions.GroupBy(v => (v.Major, v.Minor)).OrderBy(g => g.Key).Select(g =>
        {
            var patches = g.OrderBy(v => v.Patch).ToList();
            var contiguous = patches[^1].Patch - patches[0].Patch == patches.Count - 1;
            return patches.Count == 1 ? patches[0].ToString()
                : contiguous ? $"{patches[0]} to {patches[^1]}" : string.Join(", ", patches);
        }));
}
