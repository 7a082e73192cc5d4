using K8sLab.Tests.Support;

namespace K8sLab.Tests.Convergence;

/// <summary>
/// The bastion's convergence program: its planner on tables of scenarios (Python's unittest, pure,
/// no AWS), the inventory and group variables it writes as ansible reads them, and its Python
/// staying importable by the bastion's interpreter.
/// </summary>
public class ConvergenceProgramTests
{
    [Fact]
    public void The_planner_passes_its_scenario_tables()
    {
        var result = Python.Run(new[] { "-m", "unittest", "-v", "test_planner" });
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("OK", result.StdErr);
    }

    [Fact]
    public void Ansible_reads_the_group_variables_for_every_cluster_host()
    {
        var result = Python.Run(new[] { "-m", "unittest", "-v", "test_inventory" });
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("OK", result.StdErr);
    }

    [Fact]
    public void The_stand_ins_and_the_program_compile()
    {
        var files = Directory.GetFiles(Path.Combine(Python.ControlHost, "k8slab_converge"), "*.py")
            .Concat(Directory.GetFiles(Path.Combine(Python.ControlHost, "tests", "standins")));
        var result = Python.Run(new[] { "-c", "import sys\nfor f in sys.argv[1:]: compile(open(f).read(), f, 'exec')" }.Concat(files));
        Assert.True(result.ExitCode == 0, result.Output);
    }

    [Fact]
    public void The_lab_playbooks_pass_ansibles_syntax_check()
    {
        var books = Directory.GetFiles(Path.Combine(Python.ControlHost, "playbooks"), "*.yml");
        var result = Tool.Run("ansible-playbook", new[] { "--syntax-check", "-i", "localhost," }.Concat(books));
        Assert.True(result.ExitCode == 0, result.Output);
    }
}
