using Xunit.Sdk;

namespace K8sLab.Tests.Convergence;

/// <summary>
/// A scenario class's test fails when its case fails, is skipped or dies in the runner
/// (<see cref="ScenarioRunner"/>), with the case's output; the cases are converge/tests/runner_cases.py.
/// </summary>
[Trait("Uses", "moto")]
public sealed class ScenarioRunnerTests(ScenarioRunner runner) : IClassFixture<ScenarioRunner>
{
    [Fact]
    public void A_passing_case_passes_and_every_other_outcome_fails_the_test()
    {
        runner.Run("runner_cases.Cases.test_passes");
        Assert.Contains("said before failing", Assert.ThrowsAny<XunitException>(() => runner.Run("runner_cases.Cases.test_fails")).Message);
        Assert.Contains("was skipped", Assert.ThrowsAny<XunitException>(() => runner.Run("runner_cases.Cases.test_is_skipped")).Message);
        Assert.Contains("ended with -9", Assert.ThrowsAny<XunitException>(() => runner.Run("runner_cases.Cases.test_is_killed")).Message);
        runner.Run("runner_cases.Cases.test_passes");
    }
}
