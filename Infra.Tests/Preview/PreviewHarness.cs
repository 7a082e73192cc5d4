using System.Text.Json.Nodes;
using K8sLab.Bootstrap;
using K8sLab.Preview;
using K8sLab.Tagging;
using K8sLab.Tests.Support;
using Moq;

namespace K8sLab.Tests.Preview;

/// <summary>Two synthesized apps compared as scripts/preview.sh compares them, with cfn-lint's real schemas.</summary>
public static class PreviewHarness
{
    public sealed record Outcome(DiffResult Result, string Report)
    {
        public IEnumerable<ResourceChange> Instances => Result.All.Select(c => c.Change).Where(c => c.Instance is not null);

        /// <summary>Every replacement, addition and removal: what a tag must never cause.</summary>
        public IReadOnlyList<string> NotInPlace => Result.All.Where(c => c.Change.Kind is not (Change.Updated or Change.MetadataOnly))
            .Select(c => $"{c.Stack}: {c.Change.Kind} {c.Change.LogicalId} ({string.Join(", ", c.Change.Reasons)})").ToList();
    }

    public static Outcome Compare(Synthesized before, Synthesized after) => Compare(Stacks(before), Stacks(after));

    public static Outcome Compare(IReadOnlyDictionary<string, StackTemplate> before, IReadOnlyDictionary<string, StackTemplate> after)
    {
        var types = before.Values.Concat(after.Values).SelectMany(s => s.Resources.Select(r => ResourceJson.TypeOf(r.Value)));
        var result = TemplateDiff.Compare(before, after, Schemas(types));
        return new Outcome(result, PreviewReport.Format(result));
    }

    public static IReadOnlyDictionary<string, StackTemplate> Stacks(Synthesized s) =>
        s.Texts.ToDictionary(t => t.Key, t => StackTemplate.Parse(t.Value, s.StackTags.GetValueOrDefault(t.Key)));

    public static string FingerprintOf(Synthesized s, string node) =>
        ResourceJson.Tag(s.Resources("AWS::EC2::Instance").Single(r => ResourceJson.Tag(r.Resource, LabTags.Node) == node).Resource, LabTags.Fingerprint)!;

    /// <summary>The schemas of the types asked so far, read from cfn-lint once per type and test run.</summary>
    private static readonly Dictionary<string, IReadOnlyList<string>?> Known = new();

    public static CreateOnlyProperties Schemas(IEnumerable<string> types)
    {
        lock (Known)
        {
            var missing = types.Where(t => !Known.ContainsKey(t)).Distinct().ToList();
            if (missing.Count > 0)
                foreach (var (type, pointers) in CfnLintSchemas.Load(missing).ByType) Known[type] = pointers;
            return new CreateOnlyProperties(new Dictionary<string, IReadOnlyList<string>?>(Known));
        }
    }

    /// <summary>A renderer that renders as the real one, except that the workers' document gets one more line.</summary>
    public static IBootstrapRenderer WorkersChanged()
    {
        var real = new BootstrapRenderer();
        var mock = new Mock<IBootstrapRenderer>();
        mock.Setup(r => r.RenderNode(It.IsAny<NodeSpec>())).Returns<NodeSpec>(node => node.Role == NodeRole.Worker
            ? new UserDataDocument(real.RenderNode(node).Text + "bootcmd:\n- echo worker change\n")
            : real.RenderNode(node));
        mock.Setup(r => r.RenderBastion(It.IsAny<BastionSpec>())).Returns<BastionSpec>(real.RenderBastion);
        mock.Setup(r => r.RenderNatInstance()).Returns(real.RenderNatInstance);
        return mock.Object;
    }

    /// <summary>A synthesized app as a cdk.out folder (its manifest and templates), for the command; the caller deletes it.</summary>
    public static string Folder(Synthesized s)
    {
        var folder = Directory.CreateTempSubdirectory("k8slab-preview-app-").FullName;
        var artifacts = new JsonObject();
        foreach (var (stack, text) in s.Texts)
        {
            File.WriteAllText(Path.Combine(folder, $"{stack}.template.json"), text);
            artifacts[stack] = new JsonObject
            {
                ["type"] = "aws:cloudformation:stack",
                ["properties"] = new JsonObject { ["templateFile"] = $"{stack}.template.json", ["stackName"] = stack },
            };
        }
        File.WriteAllText(Path.Combine(folder, "manifest.json"), new JsonObject { ["artifacts"] = artifacts }.ToJsonString());
        return folder;
    }

    /// <summary>A template from a compact JSON text, for the engine's own tests.</summary>
    public static StackTemplate Template(string json, IReadOnlyDictionary<string, string>? tags = null) =>
        StackTemplate.Parse(json, tags);
}
