using K8sLab.Tests.Support;

namespace K8sLab.Tests.Convergence;

/// <summary>
/// The control-plane scenarios of converge/tests/test_control_plane.py (the control plane rolls one
/// etcd member at a time), each a case read from the file (<see cref="ScenarioFile"/>), in two classes
/// that run beside each other and beside <see cref="ConvergenceScenarioTests"/>, each with its own emulator.
/// </summary>
public static class ControlPlaneScenarioTests
{
    private const string Module = "test_control_plane";
    private const int Shares = 2;

    public static TheoryData<string> Share(int share) => ScenarioFile.Share(Module, share, Shares);

    private static void Run(MotoServer moto, string name) => ScenarioFile.Run(moto, $"{Module}.ControlPlane", name);

    [Trait("Uses", "moto"), RunsForMinutes]
    public sealed class First(MotoServer moto) : IClassFixture<MotoServer>
    {
        [Theory, MemberData(nameof(Share), 0, MemberType = typeof(ControlPlaneScenarioTests))]
        public void Scenario(string name) => Run(moto, name);

        [Fact]
        public void Every_scenario_of_the_file_is_a_case() => ScenarioFile.AssertEveryScenarioIsRead(Module, atLeast: 8);
    }

    [Trait("Uses", "moto"), RunsForMinutes]
    public sealed class Second(MotoServer moto) : IClassFixture<MotoServer>
    {
        [Theory, MemberData(nameof(Share), 1, MemberType = typeof(ControlPlaneScenarioTests))]
        public void Scenario(string name) => Run(moto, name);
    }
}
