using K8sLab.Bootstrap;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Bootstrap;

/// <summary>Every document the lab renders, by a readable name.</summary>
public static class Documents
{
    private static readonly BootstrapRenderer Renderer = new();

    /// <summary>An example of where a synth puts the program: the real archive's hash, an example bucket.</summary>
    public static readonly ProgramLocation Program = new("cdk-example-assets-{account}-eu-west-1", "example.tar", ControlHostProgram.Sha256);

    public static readonly IReadOnlyDictionary<string, UserDataDocument> All = new Dictionary<string, UserDataDocument>
    {
        ["control-plane"] = Renderer.RenderNode(new NodeSpec("test", NodeRole.ControlPlane, 1)),
        ["worker"] = Renderer.RenderNode(new NodeSpec("test", NodeRole.Worker, 1)),
        ["bastion"] = Renderer.RenderBastion(Bastion()),
        ["nat-instance"] = Renderer.RenderNatInstance(),
    };

    public static TheoryData<string> Names => new(All.Keys);

    public static BastionSpec Bastion(string architecture = K8sLab.Configuration.Architectures.X86) =>
        new("test", "eu-west-1", Program) { Architecture = architecture };

    public static string WriteTemp(string text, string suffix)
    {
        var path = Path.Combine(Scratch.Folder("doc-"), "document" + suffix);
        File.WriteAllText(path, text);
        return path;
    }
}
