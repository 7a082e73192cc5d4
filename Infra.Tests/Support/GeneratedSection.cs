namespace K8sLab.Tests.Support;

/// <summary>
/// A section of a document that the code generates, between its begin and end markers, and the test
/// that keeps it equal. With K8SLAB_UPDATE_DOCS=1 the test writes the generated text between the
/// markers instead (review the diff before committing it).
/// </summary>
public static class GeneratedSection
{
    /// <param name="document">The document's path in the repository, such as docs/cost.md.</param>
    public static void AssertCurrent(string document, string begin, string end, string expected)
    {
        var path = Repo.PathOf(document.Split('/'));
        Assert.True(File.Exists(path), $"{document} is missing; it holds this generated section:\n{expected}");
        var text = File.ReadAllText(path);
        var from = text.IndexOf(begin, StringComparison.Ordinal);
        var to = text.IndexOf(end, StringComparison.Ordinal);
        Assert.True(from >= 0 && to > from, $"{document} has no generated section {begin}; put this in it:\n{expected}");
        var actual = text[from..(to + end.Length)];
        if (actual != expected && System.Environment.GetEnvironmentVariable("K8SLAB_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, text[..from] + expected + text[(to + end.Length)..]);
            return;
        }
        Assert.True(expected == actual, $"{document}'s generated section differs from the code; replace it with:\n{expected}");
    }
}
