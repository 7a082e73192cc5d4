using K8sLab.Tests.Support;

namespace K8sLab.Tests.Convergence;

/// <summary>
/// The control-plane scenarios of converge/tests/test_control_plane.py (the control plane rolls one
/// etcd member at a time), each a case read from the file (<see cref="ScenarioFile"/>), in two classes
/// that run beside each other and beside <see cref="ConvergenceScenarioTests"/>, each with its own
/// emulator and warm runner (<see cref="ScenarioRunner"/>).
/// </summary>
public static class ControlPlaneScenarioTests
{
    private const string Module = "test_control_plane";
    private const int Shares = 2;

    public static TheoryData<string> Share(int share) => ScenarioFile.Share(Module, share, Shares);

    private static void Run(ScenarioRunner runner, string name) => runner.Run($"{Module}.ControlPlane.{name}");

    [Trait("Uses", "moto"), RunsForMinutes(1)]
    public sealed class First(ScenarioRunner runner) : IClassFixture<ScenarioRunner>
    {
        [Theory, MemberData(nameof(Share), 0, MemberType = typeof(ControlPlaneScenarioTests))]
        public void Scenario(string name) => Run(runner, name);

        [Fact]
        public void Every_scenario_of_the_file_is_a_case() => ScenarioFile.AssertEveryScenarioIsRead(Module, atLeast: 8);
    }

    [Trait("Uses", "moto"), RunsForMinutes(1)]
    public sealed class Second(ScenarioRunner runner) : IClassFixture<ScenarioRunner>
    {
        [Theory, MemberData(nameof(Share), 1, MemberType = typeof(ControlPlaneScenarioTests))]
        public void Scenario(string name) => Run(runner, name);
    }
}
