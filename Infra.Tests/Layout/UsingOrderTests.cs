using System.Text.RegularExpressions;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Layout;

/// <summary>
/// The order of using directives that <c>dotnet format</c> writes (.editorconfig: System first, then by name),
/// held here because the test command's checks leave it out: the build reports formatting (IDE0055) and the
/// style rules, and <c>dotnet format whitespace --folder</c> the rest of the layout, but neither sorts usings.
/// </summary>
public class UsingOrderTests
{
    [Fact]
    public void Every_source_file_lists_its_usings_System_first_then_by_name()
    {
        var files = Repo.Files("*.cs");
        Assert.True(files.Count > 100, $"found only {files.Count} C# files");
        var unsorted = files.Select(f => (File: f, Problem: Problem(File.ReadAllText(Repo.PathOf(f))))).Where(f => f.Problem is not null)
            .Select(f => $"{f.File}: {f.Problem} (run 'dotnet format K8sLab.sln')").ToList();
        Assert.True(unsorted.Count == 0, string.Join("\n", unsorted));
    }

    [Theory]
    [InlineData("using System;\nusing System.Text;\nusing Amazon.EC2;\nusing K8sLab.Tests.Support;\n", null)]
    [InlineData("using Amazon.EC2;\nusing Amazon.EC2.Model;\nusing Constructs;\n\nnamespace X;\n", null)]
    [InlineData("using System.Reflection;\nusing System.Globalization;\n", "'using System.Globalization;' comes before 'using System.Reflection;'")]
    [InlineData("using Amazon.EC2;\nusing System;\n", "'using System;' comes before 'using Amazon.EC2;'")]
    [InlineData("using Constructs;\nusing Amazon.EC2;\n", "'using Amazon.EC2;' comes before 'using Constructs;'")]
    public void The_check_finds_a_using_out_of_order(string text, string? problem) => Assert.Equal(problem, Problem(text));

    /// <summary>The first pair of plain usings (not static, not an alias) out of order, or null.</summary>
    private static string? Problem(string text)
    {
        var names = text.Split('\n').Select(line => PlainUsing.Match(line.TrimEnd('\r')))
            .Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
        for (var i = 1; i < names.Count; i++)
            if (Compare(names[i - 1], names[i]) > 0)
                return $"'using {names[i]};' comes before 'using {names[i - 1]};'";
        return null;
    }

    private static readonly Regex PlainUsing = new(@"^using ([A-Za-z_][A-Za-z0-9_.]*);$");

    private static bool IsSystem(string name) => name == "System" || name.StartsWith("System.", StringComparison.Ordinal);

    private static int Compare(string a, string b) =>
        IsSystem(a) != IsSystem(b) ? (IsSystem(a) ? -1 : 1) : StringComparer.OrdinalIgnoreCase.Compare(a, b);
}
