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
    /// <summary>
    /// The test classes (with a [Fact] or [Theory]) that touch CDK outside the cdk collection, as "FILE: CLASS":
    /// each class by its own text and attributes; a CDK namespace or Synth imported by the file counts for each.
    /// </summary>
    public static IReadOnlyList<string> OutsideTheCollection(IEnumerable<(string File, string Text)> sources) =>
        TestClasses(sources).Where(c => (c.ImportsCdk || TouchesCdk().IsMatch(c.Body)) && !InCollection().IsMatch(c.Attributes))
            .Select(c => $"{c.File}: {c.Name}").ToList();

    /// <summary>The test classes (with a [Fact] or [Theory]) of each file, and whether the file imports CDK.</summary>
    private static IEnumerable<(string File, string Name, string Attributes, string Body, bool ImportsCdk)> TestClasses(
        IEnumerable<(string File, string Text)> sources) =>
        sources.SelectMany(s => Classes(s.Text).Where(c => TestMethod().IsMatch(c.Body))
            .Select(c => (s.File, c.Name, c.Attributes, c.Body, ImportsCdk().IsMatch(s.Text))));

    /// <summary>Each class declaration with its attribute lines, and its text up to the next class.</summary>
    private static IEnumerable<(string Name, string Attributes, string Body)> Classes(string text)
    {
        var matches = ClassDeclaration().Matches(text);
        for (var i = 0; i < matches.Count; i++)
        {
            var end = i + 1 < matches.Count ? matches[i + 1].Index : text.Length;
            yield return (matches[i].Groups["name"].Value, matches[i].Groups["attributes"].Value, text[matches[i].Index..end]);
        }
    }

    /// <summary>
    /// The cdk collection's test classes without [Trait("Uses", "jsii")], as "FILE: CLASS": the collection starts jsii for
    /// any of its tests (its fixture, K8sLab.Jsii.JsiiRuntime), and the fast inner loop leaves jsii out by that trait.
    /// </summary>
    public static IReadOnlyList<string> WithoutTheJsiiTrait(IEnumerable<(string File, string Text)> sources) =>
        TestClasses(sources).Where(c => InCollection().IsMatch(c.Attributes) && !UsesJsii().IsMatch(c.Attributes))
            .Select(c => $"{c.File}: {c.Name}").ToList();

    private static List<(string File, string Text)> TestSources()
    {
        var folder = Repo.PathOf("Infra.Tests");
        return Directory.GetFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") &&
                        !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") &&
                        Path.GetFileName(f) != $"{nameof(CdkCollectionTests)}.cs")
            .Select(f => (Path.GetRelativePath(folder, f), File.ReadAllText(f))).ToList();
    }

    [Fact]
    public void Every_test_class_that_touches_cdk_is_in_the_serial_cdk_collection()
    {
        var sources = TestSources();
        Assert.True(sources.Count(s => InCollection().IsMatch(s.Text)) >= 10, "the cdk collection's classes are found");
        Assert.Empty(OutsideTheCollection(sources));
    }

    [Fact]
    public void Every_class_of_the_cdk_collection_says_it_uses_jsii()
    {
        Assert.Empty(WithoutTheJsiiTrait(TestSources()));
    }

    [Fact]
    public void The_trait_check_finds_a_class_of_the_collection_without_it()
    {
        const string with = "[Collection(CdkCollection.Name)]\n[Trait(\"Uses\", \"jsii\")]\npublic class T { [Fact] public void F() { } }";
        const string both = "[Collection(CdkCollection.Name)]\n[Trait(\"Uses\", \"moto\"), Trait(\"Uses\", \"jsii\")]\npublic class T { [Fact] public void F() { } }";
        const string without = "[Collection(CdkCollection.Name)]\npublic class T { [Fact] public void F() { } }";
        const string moto = "[Collection(CdkCollection.Name)]\n[Trait(\"Uses\", \"moto\")]\npublic class T { [Fact] public void F() { } }";
        const string outside = "public class T { [Fact] public void F() { } }";
        Assert.Equal(new[] { "without.cs: T", "moto.cs: T" },
            WithoutTheJsiiTrait(new[] { ("with.cs", with), ("both.cs", both), ("without.cs", without), ("moto.cs", moto), ("outside.cs", outside) }));
    }

    [Fact]
    public void The_check_finds_a_class_that_touches_cdk_outside_the_collection()
    {
        const string outside = "public class T { [Fact] public void F() { var app = Synth.RepositoryEnvironment(\"dev\"); } }";
        const string inside = "[Collection(CdkCollection.Name)]\npublic class T { [Fact] public void F() { var app = Synth.RepositoryEnvironment(\"dev\"); } }";
        const string pure = "public class T { [Fact] public void F() { Assert.True(true); } }";
        const string imports = "using Amazon.CDK;\npublic class T { [Theory, MemberData(nameof(D))] public void F(int d) { } }";
        const string fixture = "[Trait(\"Uses\", \"jsii\")]\npublic sealed class T(NagRuns nag) : IClassFixture<NagRuns> { [Trait(\"a\", \"b\"), Fact] public void F() { } }";
        const string mixed = "[Collection(CdkCollection.Name)]\npublic class A { [Fact] public void F() { Synth.Lab(null!); } }\n\n" +
                             "public class B\n{\n    [Fact] public void G() { var s = new Synthesized(); }\n}\n";
        Assert.Equal(new[] { "outside.cs: T", "imports.cs: T", "fixture.cs: T", "mixed.cs: B" },
            OutsideTheCollection(new[] { ("outside.cs", outside), ("inside.cs", inside), ("pure.cs", pure), ("imports.cs", imports),
                ("fixture.cs", fixture), ("mixed.cs", mixed) }));
    }

    [GeneratedRegex(@"\[[^\]\n]*\b(Fact|Theory)\b")]
    private static partial Regex TestMethod();

    [GeneratedRegex(@"\bAmazon\.CDK\b|\bSynth\.|\bSynthesized\b|\bnew App\(|IClassFixture<(AllEnvironments|NagRuns)>")]
    private static partial Regex TouchesCdk();

    [GeneratedRegex(@"^using (static )?(Amazon\.CDK\b|K8sLab\.Tests\.Support\.Synth\b)", RegexOptions.Multiline)]
    private static partial Regex ImportsCdk();

    [GeneratedRegex(@"\[Collection\((CdkCollection\.Name|""cdk"")\)\]")]
    private static partial Regex InCollection();

    [GeneratedRegex(@"\bTrait\(""Uses"", ""jsii""\)")]
    private static partial Regex UsesJsii();

    [GeneratedRegex(@"(?<attributes>(^[ \t]*\[.*\][ \t]*\r?\n)*)^[ \t]*((public|internal|private|static|sealed|partial|abstract) )*class (?<name>\w+)", RegexOptions.Multiline)]
    private static partial Regex ClassDeclaration();
}
