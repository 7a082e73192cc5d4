using System.Text.Json;
using K8sLab.Cluster;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Convergence;

/// <summary>
/// The bastion's convergence program: its planner on tables of scenarios (Python's unittest, pure,
/// no AWS), the inventory and group variables it writes as ansible reads them, the kubespray
/// playbooks it and the tests' stand-in name, and its Python staying importable by the bastion's interpreter.
/// </summary>
public class ConvergenceProgramTests
{
    [Fact]
    public void The_planner_passes_its_scenario_tables()
    {
        Unittest("test_planner");
    }

    [Fact]
    public void The_planner_benchmark_runs_on_a_tiny_lab()
    {
        // scripts/benchmark-planner.py times nothing here; this keeps it running as the planner changes.
        Unittest("test_benchmark");
    }

    [Fact]
    public void The_change_rules_pass_their_tests_and_agree_with_the_planner()
    {
        Unittest("test_changes");
    }

    [Fact]
    public void Ansible_reads_the_group_variables_for_every_cluster_host()
    {
        Unittest("test_inventory");
    }

    [Fact]
    public void The_bastion_holds_the_request_to_the_schema_and_names_what_breaks_it()
    {
        Unittest("test_request");
    }

    [Fact]
    public void The_program_and_the_ansible_playbook_stand_in_hold_to_the_playbooks_kubespray_has()
    {
        // kubespray v2.31.0 has facts.yml in playbooks/ only: the program refuses a playbook the release
        // lacks before anything runs; the stand-in refuses it as ansible does, and an extra variable the
        // playbook does not take (converge/contract/kubespray.txt); the scenarios' check finds both.
        var result = Unittest("test_playbooks");
        Assert.Contains("test_facts_yml_at_the_root_is_not_found_as_ansible_says", result.StdErr);
    }

    [Fact]
    public void The_stand_ins_served_warm_answer_as_they_do_cold()
    {
        // The scenarios run the stand-ins in a warm server (converge/tests/standins/server.py):
        // the same outputs, exit codes and model as a fresh interpreter's, and a kill still hits the program.
        var result = Unittest("test_standin_server");
        Assert.Contains("test_a_kill_hits_the_calling_program_and_the_server_serves_on", result.StdErr);
    }

    [Fact]
    public void The_warm_servers_launcher_gets_an_exit_code_whatever_the_call_returns()
    {
        // converge/tests/warm.py and launcher.c, shared by the stand-ins' server and the warm AWS CLI:
        // a call returning None, text or raising still answers its launcher, and the server serves on.
        var result = Unittest("test_warm");
        Assert.Contains("test_each_return_is_an_exit_code_as_sys_exit_makes_it_and_the_server_serves_on", result.StdErr);
    }

    [Fact]
    public void The_scenario_runner_reports_each_outcome_and_isolates_each_case()
    {
        // The scenario classes run through converge/tests/runner.py (ScenarioRunner): a failed,
        // skipped or killed case must fail its test, and no case may see what an earlier one changed.
        var result = Unittest("test_runner");
        Assert.Contains("test_each_outcome_is_told_apart", result.StdErr);
    }

    [Fact]
    public void The_python_tests_request_the_group_variables_the_nodes_stack_renders()
    {
        // tests/lab.py writes requests as the Nodes stack would: its copy of GroupVars must not drift.
        var cases = new[]
        {
            new ClusterSpec(),
            new ClusterSpec { Version = "1.34.6", NetworkPlugin = NetworkPlugin.Cilium, Addons = new[] { Addons.Find("helm")!, Addons.Find("metricsServer")! } },
            new ClusterSpec { NetworkPlugin = NetworkPlugin.Flannel, PodCidr = System.Net.IPNetwork.Parse("10.100.0.0/16"),
                ServiceCidr = System.Net.IPNetwork.Parse("10.96.0.0/16"), NodePrefix = 25, Addons = Addons.All },
        };
        foreach (var spec in cases)
        {
            var call = $"import json, lab; print(json.dumps(lab.group_vars({Py(spec.Version)}, {Py(spec.NetworkPlugin.Name())}, " +
                $"[{string.Join(", ", spec.Addons.Select(a => Py(a.Key)))}], {Py(spec.PodCidr.ToString())}, {Py(spec.ServiceCidr.ToString())}, {spec.NodePrefix})))";
            var result = Python.Run("-c", call);
            Assert.True(result.ExitCode == 0, result.Output);
            Assert.Equal(JsonSerializer.Serialize(GroupVars.Render(spec)), JsonSerializer.Serialize(JsonSerializer.Deserialize<JsonElement>(result.StdOut)));
        }
    }

    /// <summary>A module of converge/tests run by Python's unittest: it must pass, and say OK.</summary>
    private static ToolResult Unittest(string module)
    {
        var result = Python.Run(new[] { "-m", "unittest", "-v", module });
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("OK", result.StdErr);
        return result;
    }

    private static string Py(string text) => JsonSerializer.Serialize(text);

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
