using System.Runtime.Versioning;
using System.Text.Json.Nodes;
using K8sLab.Tests.Support;
using static K8sLab.Tests.Convergence.ConvergeHarness;

namespace K8sLab.Tests.Convergence;

/// <summary>The bastion's converge script, run for real with stand-ins for AWS, ansible and kubectl.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class ConvergeScriptTests : IDisposable
{
    private const string A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    private readonly ConvergeHarness _lab = new();

    public void Dispose() => _lab.Dispose();

    /// <summary>A lab of cp-1, worker-1 and worker-2, converged once.</summary>
    private void FirstDeploy()
    {
        _lab.Request("first", (Cp, "cp-1", A), (Worker, "worker-1..2", A));
        _lab.Instances(("cp-1", A, "2026-11-21T10:00:00Z", "10.20.1.10"), ("worker-1", A, "2026-11-21T10:00:01Z", "10.20.2.11"),
            ("worker-2", A, "2026-11-21T10:00:02Z", "10.20.1.12"));
        _lab.Ready("cp-1", "worker-1", "worker-2");
        var result = _lab.Run();
        Assert.True(result.ExitCode == 0, result.Output);
    }

    private static string Status(JsonObject signal) => signal["Status"]!.GetValue<string>();

    [Fact]
    public void The_first_request_runs_cluster_yml_and_signals_success_once()
    {
        FirstDeploy();
        Assert.Equal(new[] { $"-i {_lab.State}/inventory/hosts.ini -b cluster.yml -e kubeconfig_localhost=true" }, _lab.Playbooks);
        var signal = Assert.Single(_lab.Signals);
        Assert.Equal("PUT", signal["method"]!.GetValue<string>());
        Assert.Equal("SUCCESS", Status(signal));
        Assert.Equal("first", signal["Data"]!.GetValue<string>());
        Assert.Equal("3 nodes Ready", signal["Reason"]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(_lab.Home, ".kube", "config")), "the admin kubeconfig is kept for kubectl");
        // Before kubespray: every node answers on SSH and has finished its own cloud-init.
        Assert.Equal(new[] { "-m wait_for_connection -a timeout=900", "-m shell -a cloud-init status --wait >/dev/null; [ $? -ne 1 ]" },
            _lab.AdHoc.Select(c => c[c.IndexOf(" -m ", StringComparison.Ordinal)..].Trim()));
        Assert.True(_lab.Calls.ToList().FindIndex(c => c.StartsWith("ansible ")) < _lab.Calls.ToList().FindIndex(c => c.StartsWith("ansible-playbook ")));
    }

    [Fact]
    public void The_inventory_passes_ansible_inventory_with_kubesprays_groups_and_no_bastion()
    {
        FirstDeploy();
        var result = Tool.Run("ansible-inventory", new[] { "-i", _lab.Inventory, "--list" });
        Assert.True(result.ExitCode == 0, result.Output);
        var inventory = JsonNode.Parse(result.StdOut)!;
        string[] Hosts(string group) => inventory[group]!["hosts"]!.AsArray().Select(h => h!.GetValue<string>()).Order().ToArray();
        Assert.Equal(new[] { "cp-1" }, Hosts("kube_control_plane"));
        Assert.Equal(new[] { "cp-1" }, Hosts("etcd"));
        Assert.Equal(new[] { "worker-1", "worker-2" }, Hosts("kube_node"));
        Assert.Equal(new[] { "kube_control_plane", "kube_node" }, inventory["k8s_cluster"]!["children"]!.AsArray().Select(c => c!.GetValue<string>()).Order());
        Assert.Equal("10.20.2.11", inventory["_meta"]!["hostvars"]!["worker-1"]!["ansible_host"]!.GetValue<string>());
        Assert.DoesNotContain("bastion", result.StdOut);
    }

    [Fact]
    public void An_unchanged_request_runs_nothing()
    {
        FirstDeploy();
        var calls = _lab.Calls.Count;
        var result = _lab.Run();
        Assert.Equal(0, result.ExitCode);
        Assert.Single(_lab.Signals);
        Assert.Equal(new[] { "aws ssm get-parameter" }, _lab.Calls.Skip(calls).Select(c => string.Join(' ', c.Split(' ').Take(3))));
    }

    [Fact]
    public void A_new_instance_behind_the_same_name_and_document_is_replaced_in_the_cluster()
    {
        FirstDeploy();
        // A new image replaces worker-2 with the same user data: only its address tells.
        _lab.Request("new-image", (Cp, "cp-1", A), (Worker, "worker-1..2", A));
        _lab.Instances(("cp-1", A, "2026-11-21T10:00:00Z", "10.20.1.10"), ("worker-1", A, "2026-11-21T10:00:01Z", "10.20.2.11"),
            ("worker-2", A, "2026-11-21T10:00:02Z", "10.20.1.12"), ("worker-2", A, "2026-11-21T11:00:00Z", "10.20.1.77"));
        Assert.Equal(0, _lab.Run().ExitCode);
        Assert.Equal(new[] { "remove-node.yml", "scale.yml" }, _lab.Playbooks.Skip(1).Select(p => p.Split(' ')[3]));
        Assert.Contains("worker-2 ansible_host=10.20.1.77", File.ReadAllText(_lab.Inventory));
    }

    [Fact]
    public void After_a_half_done_failure_the_next_request_converges_the_whole_set()
    {
        FirstDeploy();
        _lab.Request("scaled", (Cp, "cp-1", A), (Worker, "worker-1..3", A));
        _lab.Instances(("cp-1", A, "2026-11-21T10:00:00Z", "10.20.1.10"), ("worker-1", A, "2026-11-21T10:00:01Z", "10.20.2.11"),
            ("worker-2", A, "2026-11-21T10:00:02Z", "10.20.1.12"), ("worker-3", A, "2026-11-21T11:00:00Z", "10.20.2.13"));
        _lab.PlaybooksFail(true);
        Assert.Equal(1, _lab.Run().ExitCode);

        // CloudFormation rolls back: the request is the first one again, with its own (used) handle.
        _lab.PlaybooksFail(false);
        _lab.Request("first", (Cp, "cp-1", A), (Worker, "worker-1..2", A));
        Assert.Equal(0, _lab.Run().ExitCode);
        Assert.Equal("cluster.yml", _lab.Playbooks.Last().Split(' ')[3]);
    }

    [Fact]
    public void The_same_node_set_deployed_again_with_a_new_wait_is_converged_and_signalled_again()
    {
        FirstDeploy();
        _lab.NewHandle();
        _lab.Request("first", (Cp, "cp-1", A), (Worker, "worker-1..2", A));
        Assert.Equal(0, _lab.Run().ExitCode);
        Assert.Equal(2, _lab.Signals.Count);
    }

    [Fact]
    public void An_unexpected_aws_error_fails_the_deploy_at_once_instead_of_at_its_timeout()
    {
        _lab.Request("first", (Cp, "cp-1", A), (Worker, "worker-1", A));
        _lab.AwsFails("ec2-throttled");
        Assert.Equal(1, _lab.Run().ExitCode);
        var reason = Assert.Single(_lab.Signals)["Reason"]!.GetValue<string>();
        Assert.Contains("failed", reason);
        Assert.Contains("RequestLimitExceeded", reason);
    }

    [Fact]
    public void Without_access_to_the_request_nothing_is_signalled_and_the_error_is_logged()
    {
        _lab.Request("first", (Cp, "cp-1", A), (Worker, "worker-1", A));
        _lab.AwsFails("ssm-denied");
        var result = _lab.Run();
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("AccessDeniedException", result.StdErr);
        Assert.Empty(_lab.Signals);
    }

    [Fact]
    public void No_request_yet_runs_nothing()
    {
        var result = _lab.Run();
        Assert.Equal(0, result.ExitCode);
        Assert.Empty(_lab.Playbooks);
        Assert.Empty(_lab.Signals);
    }

    [Fact]
    public void A_scale_out_runs_scale_yml_and_signals_the_new_wait()
    {
        FirstDeploy();
        _lab.Request("scaled", (Cp, "cp-1", A), (Worker, "worker-1..3", A));
        _lab.Instances(("cp-1", A, "2026-11-21T10:00:00Z", "10.20.1.10"), ("worker-1", A, "2026-11-21T10:00:01Z", "10.20.2.11"),
            ("worker-2", A, "2026-11-21T10:00:02Z", "10.20.1.12"), ("worker-3", A, "2026-11-21T11:00:00Z", "10.20.2.13"));
        _lab.Ready("cp-1", "worker-1", "worker-2", "worker-3");
        Assert.Equal(0, _lab.Run().ExitCode);
        Assert.Equal($"-i {_lab.State}/inventory/hosts.ini -b scale.yml -e kubeconfig_localhost=true", _lab.Playbooks.Last());
        Assert.Equal(2, _lab.Playbooks.Count);
        Assert.Equal(new[] { "SUCCESS", "SUCCESS" }, _lab.Signals.Select(Status));
        Assert.Contains("worker-3 ansible_host=10.20.2.13", File.ReadAllText(_lab.Inventory));
    }

    [Fact]
    public void A_replaced_worker_is_drained_and_removed_then_its_successor_joins()
    {
        FirstDeploy();
        _lab.Request("replaced", (Cp, "cp-1", A), (Worker, "worker-1", A), (Worker, "worker-2", B));
        // Old and new worker-2 both run until CloudFormation's cleanup deletes the old one.
        _lab.Instances(("cp-1", A, "2026-11-21T10:00:00Z", "10.20.1.10"), ("worker-1", A, "2026-11-21T10:00:01Z", "10.20.2.11"),
            ("worker-2", A, "2026-11-21T10:00:02Z", "10.20.1.12"), ("worker-2", B, "2026-11-21T11:00:00Z", "10.20.1.99"));
        Assert.Equal(0, _lab.Run().ExitCode);
        Assert.Equal(new[]
        {
            $"-i {_lab.State}/inventory/previous.ini -b remove-node.yml -e node=worker-2 -e skip_confirmation=yes",
            $"-i {_lab.State}/inventory/hosts.ini -b scale.yml -e kubeconfig_localhost=true",
        }, _lab.Playbooks.Skip(1));
        Assert.Contains("worker-2 ansible_host=10.20.1.99", File.ReadAllText(_lab.Inventory));
        // The removal ran against the converged inventory, where worker-2 is still the old instance.
        var removal = _lab.InventoriesSeen.Split("== ").Single(s => s.Contains("remove-node.yml"));
        Assert.Contains("worker-2 ansible_host=10.20.1.12", removal);
    }

    [Fact]
    public void A_lower_count_removes_the_workers_before_their_instances_go()
    {
        FirstDeploy();
        _lab.Request("smaller", (Cp, "cp-1", A), (Worker, "worker-1", A));
        Assert.Equal(0, _lab.Run().ExitCode);
        Assert.Equal(new[] { $"-i {_lab.State}/inventory/previous.ini -b remove-node.yml -e node=worker-2 -e skip_confirmation=yes" }, _lab.Playbooks.Skip(1));
        Assert.Equal("SUCCESS", Status(_lab.Signals.Last()));
    }

    [Fact]
    public void A_changed_control_plane_rebuilds_the_cluster()
    {
        FirstDeploy();
        _lab.Request("new-cp", (Cp, "cp-1", B), (Worker, "worker-1..2", A));
        _lab.Instances(("cp-1", B, "2026-11-21T11:00:00Z", "10.20.1.50"), ("worker-1", A, "2026-11-21T10:00:01Z", "10.20.2.11"),
            ("worker-2", A, "2026-11-21T10:00:02Z", "10.20.1.12"));
        _lab.Ready("cp-1", "worker-1", "worker-2");
        Assert.Equal(0, _lab.Run().ExitCode);
        Assert.Equal(new[] { "reset.yml", "cluster.yml" }, _lab.Playbooks.Skip(1).Select(p => p.Split(' ')[3]));
    }

    [Fact]
    public void A_failing_playbook_signals_failure_with_the_end_of_the_log()
    {
        _lab.PlaybooksFail(true);
        _lab.Request("first", (Cp, "cp-1", A), (Worker, "worker-1", A));
        _lab.Instances(("cp-1", A, "2026-11-21T10:00:00Z", "10.20.1.10"), ("worker-1", A, "2026-11-21T10:00:01Z", "10.20.2.11"));
        var result = _lab.Run();
        Assert.Equal(1, result.ExitCode);
        var signal = Assert.Single(_lab.Signals);
        Assert.Equal("FAILURE", Status(signal));
        var reason = signal["Reason"]!.GetValue<string>();
        Assert.StartsWith("cluster.yml failed; log ", reason);
        Assert.Contains("fatal: [worker-1]: UNREACHABLE!", reason);

        // The same wait is not retried in a loop: a rollback's request or the next deploy asks again.
        Assert.Equal(0, _lab.Run().ExitCode);
        Assert.Single(_lab.Signals);
    }

    [Fact]
    public void Nodes_that_never_run_fail_the_deploy_by_name_count()
    {
        _lab.Request("first", (Cp, "cp-1", A), (Worker, "worker-1..2", A));
        _lab.Instances(("cp-1", A, "2026-11-21T10:00:00Z", "10.20.1.10"));
        Assert.Equal(1, _lab.Run().ExitCode);
        Assert.StartsWith("2 requested nodes are not running", Assert.Single(_lab.Signals)["Reason"]!.GetValue<string>());
        Assert.Empty(_lab.Playbooks);
    }

    [Fact]
    public void Nodes_that_never_become_ready_fail_the_deploy()
    {
        _lab.Request("first", (Cp, "cp-1", A), (Worker, "worker-1..2", A));
        _lab.Instances(("cp-1", A, "2026-11-21T10:00:00Z", "10.20.1.10"), ("worker-1", A, "2026-11-21T10:00:01Z", "10.20.2.11"),
            ("worker-2", A, "2026-11-21T10:00:02Z", "10.20.1.12"));
        _lab.Ready(new[] { "cp-1", "worker-1", "node-from-elsewhere" }, "worker-2");
        Assert.Equal(1, _lab.Run().ExitCode);
        Assert.StartsWith("not Ready: worker-2 ", Assert.Single(_lab.Signals)["Reason"]!.GetValue<string>());
    }
}
