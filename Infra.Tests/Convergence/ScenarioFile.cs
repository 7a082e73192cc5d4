using System.Text.RegularExpressions;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Convergence;

/// <summary>
/// The scenarios of a converge/tests module (a unittest class of moto scenarios), read from the file
/// so that none is left out, and dealt round-robin into shares: xunit runs test classes beside each
/// other but the cases of one class one after another, and a file of scenarios is minutes of work.
/// </summary>
public static partial class ScenarioFile
{
    public static IReadOnlyList<string> Names(string module)
    {
        var text = File.ReadAllText(Repo.PathOf("converge", "tests", $"{module}.py"));
        return TestName().Matches(text).Select(m => m.Groups[1].Value).ToList();
    }

    /// <summary>The scenarios of share <paramref name="share"/> (from 0) of <paramref name="shares"/>.</summary>
    public static TheoryData<string> Share(string module, int share, int shares)
    {
        var data = new TheoryData<string>();
        foreach (var (name, i) in Names(module).Select((n, i) => (n, i)))
            if (i % shares == share) data.Add(name);
        return data;
    }

    /// <summary>The reader finds every scenario the file defines: a pattern that matched none would leave no case.</summary>
    public static void AssertEveryScenarioIsRead(string module, int atLeast)
    {
        var text = File.ReadAllText(Repo.PathOf("converge", "tests", $"{module}.py"));
        Assert.Equal(Regex.Matches(text, @"def test_").Count, Names(module).Count);
        Assert.True(Names(module).Count >= atLeast, $"converge/tests/{module}.py holds at least {atLeast} scenarios");
    }

    [GeneratedRegex(@"^    def (test_\w+)\(self\)", RegexOptions.Multiline)]
    private static partial Regex TestName();
}
