using K8sLab.Bootstrap;

namespace K8sLab.Tests.Bootstrap;

/// <summary>Every document the lab renders, by a readable name.</summary>
public static class Documents
{
    private static readonly BootstrapRenderer Renderer = new();

    public static readonly IReadOnlyDictionary<string, UserDataDocument> All = new Dictionary<string, UserDataDocument>
    {
        ["control-plane"] = Renderer.RenderNode(new NodeSpec("test", NodeRole.ControlPlane, 1)),
        ["worker"] = Renderer.RenderNode(new NodeSpec("test", NodeRole.Worker, 1)),
        ["bastion"] = Renderer.RenderBastion(new BastionSpec("test", "eu-west-1")),
        ["nat-instance"] = Renderer.RenderNatInstance(),
    };

    public static TheoryData<string> Names => new(All.Keys);

    public static string WriteTemp(string text, string suffix)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("k8slab-doc-").FullName, "document" + suffix);
        File.WriteAllText(path, text);
        return path;
    }
}
