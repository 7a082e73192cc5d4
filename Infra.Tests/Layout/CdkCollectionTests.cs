using System.Text.RegularExpressions;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Layout;

/// <summary>
/// jsii is not thread-safe, and the cdk collection runs beside the other test classes: so every test
/// class that touches CDK (its types, or the synthesized labs of <see cref="Synth"/>) must be in it,
/// where its tests run one at a time.
/// </summary>
public partial class CdkCollectionTests
{
    /// <summary>The test files (with a [Fact] or [Theory]) that touch CDK outside the cdk collection.</summary>
    public static IReadOnlyList<string> OutsideTheCollection(IEnumerable<(string File, string Text)> sources) =>
        sources.Where(s => TestMethod().IsMatch(s.Text) && TouchesCdk().IsMatch(s.Text) && !InCollection().IsMatch(s.Text))
            .Select(s => s.File).ToList();

    [Fact]
    public void Every_test_class_that_touches_cdk_is_in_the_serial_cdk_collection()
    {
        var folder = Repo.PathOf("Infra.Tests");
        var sources = Directory.GetFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") &&
                        !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") &&
                        Path.GetFileName(f) != $"{nameof(CdkCollectionTests)}.cs")
            .Select(f => (Path.GetRelativePath(folder, f), File.ReadAllText(f))).ToList();
        Assert.True(sources.Count(s => InCollection().IsMatch(s.Item2)) >= 10, "the cdk collection's classes are found");
        Assert.Empty(OutsideTheCollection(sources));
    }

    [Fact]
    public void The_check_finds_a_class_that_synthesizes_outside_the_collection()
    {
        const string outside = "public class T { [Fact] public void F() { var app = Synth.RepositoryEnvironment(\"dev\"); } }";
        const string inside = "[Collection(CdkCollection.Name)]\npublic class T { [Fact] public void F() { var app = Synth.RepositoryEnvironment(\"dev\"); } }";
        const string pure = "public class T { [Fact] public void F() { Assert.True(true); } }";
        const string types = "using Amazon.CDK;\npublic class T { [Theory] public void F() { } }";
        Assert.Equal(new[] { "outside.cs", "types.cs" },
            OutsideTheCollection(new[] { ("outside.cs", outside), ("inside.cs", inside), ("pure.cs", pure), ("types.cs", types) }));
    }

    [GeneratedRegex(@"\[(Fact|Theory)\b")]
    private static partial Regex TestMethod();

    [GeneratedRegex(@"\bAmazon\.CDK\b|\bSynth\.|\bSynthesized\b|\bnew App\(")]
    private static partial Regex TouchesCdk();

    [GeneratedRegex(@"\[Collection\((CdkCollection\.Name|""cdk"")\)\]")]
    private static partial Regex InCollection();
}
