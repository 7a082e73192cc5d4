using System.Text.RegularExpressions;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Convergence;

/// <summary>
/// The control-plane scenarios of converge/tests/test_control_plane.py (issue 18: the control plane
/// rolls one etcd member at a time), one case each, read from the file so that none is left out.
/// A class of its own, with its own emulator, so that it runs beside ConvergenceScenarioTests.
/// </summary>
[Trait("Uses", "moto")]
public sealed partial class ControlPlaneScenarioTests(MotoServer moto) : IClassFixture<MotoServer>
{
    public static TheoryData<string> Names()
    {
        var names = new TheoryData<string>();
        var text = File.ReadAllText(Repo.PathOf("converge", "tests", "test_control_plane.py"));
        foreach (Match match in TestName().Matches(text))
            names.Add(match.Groups[1].Value);
        return names;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Scenario(string name)
    {
        var result = Python.Run(new[] { "-m", "unittest", "-v", $"test_control_plane.ControlPlane.{name}" },
            environment: moto.ClientEnvironment, timeout: TimeSpan.FromMinutes(15));
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.DoesNotContain("skipped", result.StdErr);
    }

    [Fact]
    public void Every_scenario_of_the_file_is_a_case()
    {
        // The reader finds every scenario the file defines: a regex that matched none would leave no case.
        var text = File.ReadAllText(Repo.PathOf("converge", "tests", "test_control_plane.py"));
        Assert.Equal(Regex.Matches(text, @"def test_").Count, TestName().Matches(text).Count);
        Assert.True(TestName().Matches(text).Count >= 8, "converge/tests/test_control_plane.py holds the control-plane scenarios");
    }

    [GeneratedRegex(@"^    def (test_\w+)\(self\)", RegexOptions.Multiline)]
    private static partial Regex TestName();
}
