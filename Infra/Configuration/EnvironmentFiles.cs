using System.Net;
using System.Text.RegularExpressions;
using K8sLab.Cluster;
using K8sLab.Contract;
using K8sLab.Tagging;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace K8sLab.Configuration;

/// <summary>
/// Reads <c>environments/NAME.yaml</c> into a <see cref="LabConfig"/>, refusing anything a deploy
/// would trip over later. Every problem names the file and the key and says what is allowed.
/// </summary>
public static partial class EnvironmentFiles
{
    public const string Folder = "environments";

    private static readonly IPNetwork[] PrivateRanges =
        { IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.168.0.0/16") };

    // kubespray's preflight floors (roles/kubernetes/preinstall), compared with usable memory.
    public const int ControlPlaneMinVCpus = 2;
    public const int ControlPlaneMinMemoryMb = 1500;
    public const int NodeMinMemoryMb = 1024;

    public const int MaxControlPlane = 7;
    public const int MaxWorkers = 1000;

    /// <summary>The top-level keys, in the order a file writes them.</summary>
    public static readonly IReadOnlyList<string> TopLevelKeys =
        ["region", "network", "admin", "machineImage", "bastion", "controlPlane", "workers", "convergence", "kubernetes", "snapshots", "tags"];

    private static readonly Regex EnvironmentName = new("^[a-z][a-z0-9-]{0,15}$");
    private static readonly Regex AmiId = new("^ami-([0-9a-f]{8}|[0-9a-f]{17})$");

    /// <summary>Finds the folder that holds the environment files, from <paramref name="start"/> upwards.</summary>
    public static string FindFolder(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, Folder);
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new ConfigException($"no '{Folder}' folder in {start} or above it: run from the repository");
    }

    public static IReadOnlyList<string> Available(string folder) =>
        Directory.GetFiles(folder, "*.yaml").Select(Path.GetFileNameWithoutExtension).OfType<string>().Order().ToList();

    /// <summary>The environment's file in <paramref name="folder"/>, as <see cref="Load"/> reads it.</summary>
    public static string FileOf(string folder, string environment) => Path.GetFullPath(Path.Combine(folder, environment + ".yaml"));

    public static LabConfig Load(string folder, string environment)
    {
        if (!EnvironmentName.IsMatch(environment))
            throw new ConfigException($"environment name '{environment}': use 1-16 lower-case letters, digits and dashes, starting with a letter");
        var file = FileOf(folder, environment);
        var shown = Path.Combine(Folder, environment + ".yaml");
        if (!File.Exists(file))
            throw new ConfigException($"{shown}: no such environment file; available: {string.Join(", ", Available(folder))} (choose one with -c env=NAME)");
        return Parse(shown, environment, File.ReadAllText(file));
    }

    /// <param name="kubespray">The kubespray release whose versions kubernetes.version may name (default: the pinned one, embedded).</param>
    /// <param name="catalog">When given, every key read is noted in it (<see cref="ConfigurationReference"/>).</param>
    public static LabConfig Parse(string file, string environment, string yaml, KubesprayRelease? kubespray = null, List<KeyReference>? catalog = null)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(yaml)); }
        catch (YamlException e)
        {
            // YamlDotNet places a tab in the indentation where the scanner gave up, often line 1: name the tab's own line.
            var tabs = TabIndentedLines(yaml);
            if (tabs.Count > 0)
                throw new ConfigException(tabs.Select(line => $"{file}: line {line}: a tab in the indentation; YAML indents with spaces only").ToList());
            throw new ConfigException($"{file}: line {e.Start.Line}: not valid YAML: {e.Message}");
        }
        if (stream.Documents.Count > 1)
            throw new ConfigException($"{file}: line {stream.Documents[1].RootNode.Start.Line}: a second YAML document (after '---'); one file holds one environment: " +
                "remove the '---' and what follows it, or put that environment in a file of its own");
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new ConfigException($"{file}: must be a mapping of keys ({string.Join(", ", TopLevelKeys)})");

        var problems = new List<string>();
        var top = YamlSection.Root(file, root, problems, catalog);

        var region = top.RequiredString("region", "an AWS region such as eu-west-1");
        top.Document("region", allowed: $"one of the {Regions.Known.Count} regions AWS CDK knows (Configuration/Regions.cs), such as eu-west-1");
        if (region.Length > 0 && Regions.Problem(region) is { } unknownRegion)
            top.Problem("region", unknownRegion);

        var networkSection = top.Section("network");
        var adminSection = top.Section("admin");
        // The image before the types: its architecture decides which instance types fit (Architectures.cs).
        var image = ReadImage(top.Section("machineImage"));
        var arch = image.Architecture;
        var network = ReadNetwork(networkSection, region, arch, out var vpc);
        var admin = ReadAdmin(adminSection);

        var bastionSection = top.Section("bastion");
        var bastion = ReadType(bastionSection, "t3.small", NodeMinMemoryMb, 1, arch);
        bastionSection.RejectUnknownKeys();

        var controlPlane = ReadGroup(top.Section("controlPlane"), 1, 1, MaxControlPlane, mustBeOdd: true, NodeGroup.DefaultType, ControlPlaneMinMemoryMb, ControlPlaneMinVCpus, LabFacts.ControlPlane.NamePrefix, arch);
        var workers = ReadGroup(top.Section("workers"), 2, 0, MaxWorkers, mustBeOdd: false, NodeGroup.DefaultType, NodeMinMemoryMb, 1, LabFacts.Worker.NamePrefix, arch);
        var convergence = ReadConvergence(top.Section("convergence"));
        var kubernetes = ReadKubernetes(top.Section("kubernetes"), networkSection, vpc, arch, kubespray ?? KubesprayRelease.Embedded);
        var snapshots = ReadSnapshots(top.Section("snapshots"));
        var tags = ReadTags(top);
        top.RejectUnknownKeys();

        if (problems.Count > 0) throw new ConfigException(problems);
        var config = new LabConfig(environment, file, region, network, admin, image, bastion, controlPlane, workers)
        {
            Tags = tags, Convergence = convergence, Kubernetes = kubernetes, Snapshots = snapshots,
        };
        // What only the whole file can tell: room for the nodes in subnets, pod range, bastion, wait.
        var limits = ScaleLimits.Check(config);
        if (limits.Count > 0) throw new ConfigException(limits.Select(l => $"{file}: {l}").ToList());
        return config;
    }

    /// <summary>The lines (from 1) whose indentation holds a tab.</summary>
    private static List<int> TabIndentedLines(string yaml) =>
        yaml.Split('\n').Select((line, i) => (line, number: i + 1))
            .Where(l => l.line.TakeWhile(char.IsWhiteSpace).Contains('\t')).Select(l => l.number).ToList();

    /// <param name="vpc">The VPC block, or null when it does not parse (reported here).</param>
    private static NetworkConfig ReadNetwork(YamlSection s, string region, string arch, out IPNetwork? vpc)
    {
        vpc = ReadCidr(s, "vpcCidr", "10.0.0.0/16");
        s.Document("vpcCidr", allowed: $"a block from /16 to /22 in a private range ({string.Join(", ", PrivateRanges)}), apart from kubernetes.podCidr and serviceCidr");
        if (vpc is { } v)
        {
            if (v.PrefixLength is < 16 or > 22)
                s.Problem("vpcCidr", $"must have a prefix from /16 to /22 (room for subnets in every zone), got /{v.PrefixLength}");
            if (!PrivateRanges.Any(r => v.Within(r)))
                s.Problem("vpcCidr", $"must lie in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16), got {v}");
            // The pod and service ranges are checked against it with the kubernetes section (ReadKubernetes).
        }

        var zones = s.OptionalStringList("availabilityZones", "zone names of the region, such as eu-west-1a");
        if (zones is not null)
        {
            if (zones.Count is < 2 or > 6) s.Problem("availabilityZones", $"must name 2 to 6 zones, got {zones.Count}");
            foreach (var zone in zones.Where(z => region.Length > 0 && !Regex.IsMatch(z, $"^{Regex.Escape(region)}[a-z]$")))
                s.Problem("availabilityZones", $"'{zone}' is not a zone of region {region} (such as {region}a)");
            if (zones.Distinct().Count() != zones.Count) s.Problem("availabilityZones", "names a zone twice");
        }

        var zoneCount = zones?.Count ?? 2;
        var natCount = s.Int("natGateways", 1, 1, Math.Max(1, zoneCount));
        s.Document("natGateways", allowed: "1 up to the number of zones");
        var nat = s.Choice("natProvider", "gateway", "gateway", "instance") == "instance" ? NatKind.Instance : NatKind.Gateway;
        var natType = ReadType(s, "t3.micro", 0, 1, arch, key: "natInstanceType");
        s.RejectUnknownKeys();
        return new NetworkConfig(vpc ?? default, zones, natCount, nat, natType);
    }

    private static IReadOnlyDictionary<string, string> ReadTags(YamlSection top)
    {
        var tags = top.OptionalStringMap("tags", "tag keys to values, such as team: platform") ?? [];
        top.Document("tags", allowed: $"a mapping of your own tag keys to values (team: platform): keys of 1 to {TagRules.MaxKeyLength} and values of up to {TagRules.MaxValueLength} " +
            $"{TagRules.AllowedCharactersText}, no aws: prefix, not {LabTags.Name} or {LabTags.Prefix}*; at most {LabTags.UserLimit}");
        foreach (var (key, problem) in TagRules.Problems(tags))
            top.Problem(key.Length == 0 ? "tags" : $"tags.{key}", problem);
        return tags.DistinctBy(t => t.Key).ToDictionary(t => t.Key, t => t.Value);
    }

    private static AdminAccess ReadAdmin(YamlSection s)
    {
        var cidr = ReadCidr(s, "cidr", null);
        s.Document("cidr", allowed: $"your own address as a /32 ({AdminAccess.OwnAddressCommand} prints it); 0.0.0.0/0 only with allowAnyAddress; " +
            "a documentation range (RFC 5737) warns at synth and is refused by the deploy");
        var anywhere = s.Bool("allowAnyAddress", false);
        if (cidr is { PrefixLength: 0 } && !anywhere)
            s.Problem("cidr", $"0.0.0.0/0 opens the bastion's SSH to the whole internet; give your own address ({AdminAccess.OwnAddressCommand} prints it; add /32) or set admin.allowAnyAddress: true");
        s.RejectUnknownKeys();
        return new AdminAccess(cidr ?? default, anywhere);
    }

    private static ImagePin ReadImage(YamlSection s)
    {
        var ami = s.OptionalString("amiId", "an AMI ID (ami- and 8 or 17 hex digits)");
        if (ami is not null && !AmiId.IsMatch(ami))
            s.Problem("amiId", $"'{ami}' is not an AMI ID (ami- and 8 or 17 hex digits); empty it (amiId:) and run scripts/pin-image.sh, which writes one");
        var name = s.OptionalString("name", "the image's name, for the record");
        var architecture = s.Choice("architecture", Architectures.X86, Architectures.X86, Architectures.Arm);
        s.RejectUnknownKeys();
        return new ImagePin(ami, name) { Architecture = architecture };
    }

    private static NodeGroup ReadGroup(YamlSection s, int defaultCount, int min, int max, bool mustBeOdd, string defaultType, int minMemoryMb, int minVCpus, string prefix, string arch)
    {
        var count = s.Int("count", defaultCount, min, max);
        if (mustBeOdd) s.Document("count", allowed: $"an odd number from {min} to {max}");
        if (mustBeOdd && count % 2 == 0)
            s.Problem("count", $"must be odd (etcd runs on the control plane and needs a majority), got {count}");
        var type = ReadType(s, defaultType, minMemoryMb, minVCpus, arch);
        var spot = s.Bool("spot", false);
        var generations = new Dictionary<string, int>();
        foreach (var (node, text, _) in s.OptionalStringMap("generations", $"node names ({prefix}1 ...) to whole numbers from 0 to 999: a new number launches a new instance for the node") ?? [])
        {
            var match = Regex.Match(node, $"^{Regex.Escape(prefix)}([1-9][0-9]*)$");
            if (!match.Success || int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > count)
                s.Problem($"generations.{node}", $"names no node of this group; allowed: {prefix}1 to {prefix}{count}");
            else if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var generation) || generation > 999)
                s.Problem($"generations.{node}", $"must be a whole number from 0 to 999, got '{text}'");
            else generations[node] = generation;
        }
        s.RejectUnknownKeys();
        return new NodeGroup(count, type) { Generations = generations, Spot = spot, DefaultInstanceType = Architectures.Default(defaultType, arch) };
    }

    private static ConvergenceSettings ReadConvergence(YamlSection s)
    {
        var settings = new ConvergenceSettings(
            MaxSurge: s.Int("maxSurge", 1, 1, 100),
            DownloadOnce: s.Bool("downloadOnce", false),
            DrainSeconds: s.Int("drainTimeoutSeconds", 300, 30, 3600));
        s.RejectUnknownKeys();
        return settings;
    }

    /// <summary>The <c>snapshots:</c> section: how long the snapshot bucket keeps etcd snapshots, and how often the bastion takes one.</summary>
    private static SnapshotSettings ReadSnapshots(YamlSection s)
    {
        var settings = new SnapshotSettings(
            KeepDays: s.Int("keepDays", SnapshotSettings.DefaultKeepDays, 1, SnapshotSettings.MaxKeepDays),
            EveryHours: s.Int("everyHours", SnapshotSettings.DefaultEveryHours, 1, SnapshotSettings.MaxEveryHours));
        s.Document("keepDays", allowed: $"a whole number from 1 to {SnapshotSettings.MaxKeepDays}: the days the lab's snapshot bucket keeps an etcd snapshot (its lifecycle rule deletes older ones)");
        s.Document("everyHours", allowed: $"a whole number from 1 to {SnapshotSettings.MaxEveryHours}: the bastion takes an etcd snapshot when the last one is this many hours old");
        s.RejectUnknownKeys();
        return settings;
    }

    private static InstanceTypeSpec ReadType(YamlSection s, string fallback, int minMemoryMb, int minVCpus, string arch, string key = "instanceType")
    {
        fallback = Architectures.Default(fallback, arch);
        var name = s.String(key, fallback, "an EC2 instance type such as t3.medium");
        s.Document(key, allowed: $"an instance type of machineImage.architecture ({InstanceTypes.KnownFamilies}; nano to 4xlarge)" +
            (minMemoryMb > 0 ? $" with at least {minVCpus} vCPU and {minMemoryMb} MB usable" : "") +
            (Architectures.Default(fallback, Architectures.Arm) is var arm && arm != fallback ? $"; default on arm64: `{arm}`" : ""));
        if (!InstanceTypes.All.TryGetValue(name, out var type))
        {
            s.Problem(key, $"unknown instance type '{name}'; known families: {InstanceTypes.KnownFamilies} (sizes nano to 4xlarge)");
            return InstanceTypes.All[fallback];
        }
        if (Architectures.Mismatch(type, arch) is { } mismatch) s.Problem(key, mismatch);
        if (type.VCpus < minVCpus)
            s.Problem(key, $"{name} has {type.VCpus} vCPU; kubespray needs at least {minVCpus} here");
        if (type.UsableMemoryMiB < minMemoryMb)
            s.Problem(key, $"{name} has {type.MemoryMiB} MiB ({type.UsableMemoryMiB} usable); kubespray needs at least {minMemoryMb} MB here, so choose a larger size");
        return type;
    }

    private static IPNetwork? ReadCidr(YamlSection s, string key, string? fallback)
    {
        const string allowed = "an IPv4 CIDR block such as 10.0.0.0/16";
        var text = fallback is null ? s.RequiredString(key, allowed) : s.String(key, fallback, allowed);
        if (text.Length == 0) return null;
        var cidr = Cidr.TryParse(text, out var reason);
        if (cidr is null) s.Problem(key, reason);
        return cidr;
    }
}
