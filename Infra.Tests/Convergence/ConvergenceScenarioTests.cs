using K8sLab.Tests.Support;

namespace K8sLab.Tests.Convergence;

/// <summary>
/// The convergence scenarios of converge/tests/test_scenarios.py, each a sequence of deploys, against
/// moto's EC2 and SSM on loopback: the test plays CloudFormation (instances with the lab's tags, the
/// request, creation before deletion, rollbacks) and runs the real k8slab_converge, with stand-ins
/// only for ansible-playbook and kubectl that model the cluster. Each scenario is a case, read from
/// the file (<see cref="ScenarioFile"/>), in one of three classes that run beside each other, each
/// with its own emulator and warm runner (<see cref="ScenarioRunner"/>).
/// </summary>
public static class ConvergenceScenarioTests
{
    private const string Module = "test_scenarios";
    private const int Shares = 3;

    public static TheoryData<string> Share(int share) => ScenarioFile.Share(Module, share, Shares);

    private static void Run(ScenarioRunner runner, string name) => runner.Run($"{Module}.Scenarios.{name}");

    [Trait("Uses", "moto"), RunsForMinutes(1)]
    public sealed class First(ScenarioRunner runner) : IClassFixture<ScenarioRunner>
    {
        [Theory, MemberData(nameof(Share), 0, MemberType = typeof(ConvergenceScenarioTests))]
        public void Scenario(string name) => Run(runner, name);

        [Fact]
        public void Every_scenario_of_the_file_is_a_case() => ScenarioFile.AssertEveryScenarioIsRead(Module, atLeast: 20);
    }

    [Trait("Uses", "moto"), RunsForMinutes(2)]
    public sealed class Second(ScenarioRunner runner) : IClassFixture<ScenarioRunner>
    {
        [Theory, MemberData(nameof(Share), 1, MemberType = typeof(ConvergenceScenarioTests))]
        public void Scenario(string name) => Run(runner, name);
    }

    [Trait("Uses", "moto"), RunsForMinutes(1)]
    public sealed class Third(ScenarioRunner runner) : IClassFixture<ScenarioRunner>
    {
        [Theory, MemberData(nameof(Share), 2, MemberType = typeof(ConvergenceScenarioTests))]
        public void Scenario(string name) => Run(runner, name);
    }
}
