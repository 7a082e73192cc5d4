using System.Reflection;
using System.Text.Json;

namespace K8sLab.Contract;

/// <summary>A node role as every side names it: the k8slab:role tag, the node-name prefix, the environment file's section.</summary>
public sealed record RoleFacts(string Tag, string NamePrefix, string Section);

/// <summary>
/// The lab's own vocabulary, read from <c>converge/contract/lab.json</c> (embedded): tag keys, role
/// names and node-name prefixes, the SSM parameter names, the control host's paths and pins. The
/// bastion's program reads the same file from the asset, and the scripts get it through the app's
/// <c>--print-config</c>; a test fails on a copy of these values anywhere else.
/// </summary>
public static class LabFacts
{
    public const string File = "converge/contract/lab.json";
    private static readonly JsonElement Root = Load();

    public static class Tags
    {
        public static readonly string Environment = Text("tags", "environment");
        public static readonly string ManagedBy = Text("tags", "managedBy");
        public static readonly string ManagedByValue = Text("tags", "managedByValue");
        public static readonly string Role = Text("tags", "role");
        public static readonly string Node = Text("tags", "node");
        public static readonly string Fingerprint = Text("tags", "fingerprint");
    }

    public static readonly RoleFacts ControlPlane = RoleOf("controlPlane");
    public static readonly RoleFacts Worker = RoleOf("worker");
    /// <summary>The bastion's k8slab:role tag and its k8slab:node name.</summary>
    public static readonly string BastionRole = Text("roles", "bastion", "tag");
    public static readonly string BastionName = Text("roles", "bastion", "name");

    /// <summary>The request's header parameter; its node parts are this name with -1, -2, ...</summary>
    public static string RequestParameter(string environment) => Text("parameters", "request").Replace("{environment}", environment);
    /// <summary>The admin kubeconfig the bastion stores (a SecureString, never in a template).</summary>
    public static string KubeconfigParameter(string environment) => Text("parameters", "kubeconfig").Replace("{environment}", environment);

    public static class ControlHost
    {
        public static readonly string AdminUser = Text("controlHost", "adminUser");
        public static readonly string LibraryDir = Text("controlHost", "libraryDir");
        public static readonly string AwsCliVersion = Text("controlHost", "awsCliVersion");
        public static readonly string AwsCliVenv = Text("controlHost", "awsCliVenv");
        public static readonly string AnsibleVenv = Text("controlHost", "ansibleVenv");
        public static readonly string KubesprayDir = Text("controlHost", "kubesprayDir");
        public static readonly string StateDir = Text("controlHost", "stateDir");
        public static readonly string LogDir = Text("controlHost", "logDir");
    }

    /// <summary>The whole file, as JSON: what --print-config passes on to the scripts.</summary>
    public static JsonElement Json => Root;

    private static RoleFacts RoleOf(string key) =>
        new(Text("roles", key, "tag"), Text("roles", key, "namePrefix"), Text("roles", key, "section"));

    private static string Text(params string[] path)
    {
        var node = Root;
        foreach (var key in path)
            if (!node.TryGetProperty(key, out node))
                throw new InvalidOperationException($"{File}: {string.Join('.', path)} is missing");
        return node.GetString() ?? throw new InvalidOperationException($"{File}: {string.Join('.', path)} is not text");
    }

    private static JsonElement Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(File)
            ?? throw new InvalidOperationException($"{File} is not embedded in the app");
        return JsonDocument.Parse(stream).RootElement.Clone();
    }
}
