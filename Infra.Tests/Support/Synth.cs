using System.Text.Json.Nodes;
using Amazon.CDK;
using K8sLab.Bootstrap;
using K8sLab.Configuration;
using K8sLab.Images;
using K8sLab.Jsii;

namespace K8sLab.Tests.Support;

/// <summary>Synthesized templates of one app, by stack name, as text (for byte comparisons) and JSON, and the stacks' tags.</summary>
public sealed class Synthesized
{
    public Synthesized(IReadOnlyDictionary<string, string> templates, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? stackTags = null) =>
        (Texts, StackTags) = (templates, stackTags ?? new Dictionary<string, IReadOnlyDictionary<string, string>>());

    public IReadOnlyDictionary<string, string> Texts { get; }

    /// <summary>The tags CDK deploys each stack with (the cloud assembly's stack tags), by stack name.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> StackTags { get; }

    public JsonObject Template(string stackName) => JsonNode.Parse(Texts[stackName])!.AsObject();

    public IEnumerable<(string Stack, JsonObject Template)> All =>
        Texts.Keys.Order().Select(name => (name, Template(name)));

    /// <summary>Every resource of a type, with its stack and logical ID.</summary>
    public IEnumerable<(string Stack, string LogicalId, JsonObject Resource)> Resources(string type) =>
        All.SelectMany(t => (t.Template["Resources"]?.AsObject() ?? new JsonObject())
            .Where(r => r.Value!["Type"]!.GetValue<string>() == type)
            .Select(r => (t.Stack, r.Key, r.Value!.AsObject())));

    /// <summary>Instance logical IDs keyed by their k8slab:node tag.</summary>
    public IReadOnlyDictionary<string, string> InstanceIdsByNode() =>
        Resources("AWS::EC2::Instance").ToDictionary(
            r => K8sLab.Preview.ResourceJson.Tag(r.Resource, K8sLab.Tagging.LabTags.Node)!,
            r => r.LogicalId);
}

public static class Synth
{
    /// <summary>Synthesizes whatever <paramref name="build"/> adds to a fresh app, into a fresh folder.</summary>
    public static Synthesized App(Action<App> build)
    {
        var outdir = Directory.CreateTempSubdirectory("k8slab-synth-").FullName;
        try
        {
            var app = new App(new AppProps { Outdir = outdir, Context = CdkJson.AppContext() });
            build(app);
            var assembly = app.Synth();
            return new Synthesized(assembly.Stacks.ToDictionary(s => s.StackName, s => File.ReadAllText(Path.Combine(outdir, s.TemplateFile))),
                assembly.Stacks.ToDictionary(s => s.StackName, s => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(s.Tags)));
        }
        finally
        {
            Directory.Delete(outdir, recursive: true);
        }
    }

    /// <summary>Synthesizes a lab into <paramref name="outdir"/> and leaves it there: templates and assets as files.</summary>
    public static void LabInto(string outdir, LabConfig config)
    {
        var app = new App(new AppProps { Outdir = outdir, Context = CdkJson.AppContext() });
        K8sLab.Lab.Create(app, config, new BootstrapRenderer(), new PinnedImageSource(config.MachineImage, config.Environment));
        app.Synth();
    }

    public static Synthesized Lab(LabConfig config, IBootstrapRenderer? bootstrap = null, IMachineImageSource? images = null) =>
        App(app => K8sLab.Lab.Create(app, config, bootstrap ?? new BootstrapRenderer(),
            images ?? new PinnedImageSource(config.MachineImage, config.Environment)));

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Synthesized> Repository = new();

    /// <summary>
    /// A 400-node lab (3 control-plane nodes, 397 workers) within the scale limits: a bastion for 50
    /// forks, a surge that fits the wait, a pod range for 400 nodes. Synthesized once per test run,
    /// for every validator that checks a large lab.
    /// </summary>
    public static Synthesized LargeLab => Repository.GetOrAdd("(400-node lab)", _ => Lab(Environments.With(LargeLabName, ("count: 1", "count: 3"),
        ("count: 2\n  instanceType: t3.medium", "count: 397\n  instanceType: t3.medium\nconvergence:\n  maxSurge: 12\nkubernetes:\n  podCidr: 10.64.0.0/14"),
        ("instanceType: t3.small", "instanceType: t3.large"))));

    public const string LargeLabName = "large";

    /// <summary>
    /// An environment file of the repository, as a user would synthesize it: once per test run, since
    /// the files do not change while tests run and a synthesis costs about a second.
    /// </summary>
    public static Synthesized RepositoryEnvironment(string name) =>
        Repository.GetOrAdd(name, n => Lab(EnvironmentFiles.Load(Repo.EnvironmentsFolder, n)));
}

/// <summary>
/// jsii is not thread-safe: every test that starts CDK runs in this one collection, whose tests run one
/// at a time (Layout/CdkCollectionTests holds every class that touches CDK to it), beside the other
/// classes: it used to wait for all of them, then ran alone on one core for a minute. Its classes carry
/// [Trait("Uses", "jsii")] (those that start moto, "moto"), which the fast inner loop leaves out:
/// dotnet test Infra.Tests --filter "Uses!=jsii&amp;Uses!=moto".
/// </summary>
/// <remarks>The collection owns jsii's runtime as the app does (<see cref="JsiiRuntime"/>): its extracted packages are deleted when the collection ends.</remarks>
[CollectionDefinition(Name), RunsForMinutes(4)]
public sealed class CdkCollection : ICollectionFixture<JsiiRuntime>
{
    public const string Name = "cdk";
}
