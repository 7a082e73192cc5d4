using K8sLab.Tests.Support;

namespace K8sLab.Tests.Convergence;

/// <summary>
/// The convergence scenarios of converge/tests/test_scenarios.py, each a
/// sequence of deploys, against moto's EC2 and SSM on loopback: the test plays CloudFormation
/// (instances with the lab's tags, the request, creation before deletion, rollbacks) and runs the
/// real k8slab_converge, with stand-ins only for ansible-playbook and kubectl that model the cluster.
/// One emulator for the class; each scenario is a lab of its own name.
/// </summary>
[Trait("Uses", "moto")]
public sealed class ConvergenceScenarioTests(MotoServer moto) : IClassFixture<MotoServer>
{
    private void Scenario(string name)
    {
        var result = Python.Run(new[] { "-m", "unittest", "-v", $"test_scenarios.Scenarios.{name}" },
            environment: moto.ClientEnvironment, timeout: TimeSpan.FromMinutes(15));
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.DoesNotContain("skipped", result.StdErr);
    }

    [Fact] public void First_deploy() => Scenario("test_first_deploy");
    [Fact] public void Every_worker_replaced_surge_first() => Scenario("test_every_worker_replaced_surge_first");
    [Fact] public void A_pdb_that_blocks_a_drain_fails_the_deploy_naming_it() => Scenario("test_a_pdb_that_blocks_a_drain_fails_the_deploy_naming_it");
    [Fact] public void Rollback_after_an_image_change() => Scenario("test_rollback_after_an_image_change");
    [Fact] public void A_node_terminated_outside_cloudformation_then_a_deploy() => Scenario("test_a_node_terminated_outside_cloudformation_then_a_deploy");
    [Fact] public void Zero_to_two_to_zero_workers() => Scenario("test_zero_to_two_to_zero_workers");
    [Fact] public void Bastion_replaced_adopts_the_cluster() => Scenario("test_bastion_replaced_adopts_the_cluster");
    [Fact] public void An_unreachable_control_plane_is_not_taken_for_no_cluster() => Scenario("test_an_unreachable_control_plane_is_not_taken_for_no_cluster");
    [Fact] public void Kubespray_version_moved_runs_the_upgrade() => Scenario("test_kubespray_version_moved_runs_the_upgrade");
    [Fact] public void Spot_requests_of_replaced_and_removed_nodes_are_cancelled() => Scenario("test_spot_requests_of_replaced_and_removed_nodes_are_cancelled");
    [Fact] public void A_kubernetes_upgrade_control_plane_first_then_workers_rolling() => Scenario("test_a_kubernetes_upgrade_control_plane_first_then_workers_rolling");
    [Fact] public void An_upgrade_stopped_by_a_drain_is_finished_by_the_next_deploy() => Scenario("test_an_upgrade_stopped_by_a_drain_is_finished_by_the_next_deploy");
    [Fact] public void A_downgrade_or_a_jump_of_two_minors_is_refused_before_anything_runs() => Scenario("test_a_downgrade_or_a_jump_of_two_minors_is_refused_before_anything_runs");
    [Fact] public void A_network_plugin_change_needs_allow_rebuild() => Scenario("test_a_network_plugin_change_needs_allow_rebuild");
    [Fact] public void An_addon_switched_on_reruns_cluster_yml_without_draining() => Scenario("test_an_addon_switched_on_reruns_cluster_yml_without_draining");
    [Fact] public void A_cluster_recorded_before_the_kubernetes_section_is_adopted() => Scenario("test_a_cluster_recorded_before_the_kubernetes_section_is_adopted");
    [Fact] public void An_invalid_request_fails_its_deploy_at_once_and_once() => Scenario("test_an_invalid_request_fails_its_deploy_at_once_and_once");
    [Fact] public void A_400_node_request() => Scenario("test_a_400_node_request");
    [Fact] public void The_invariants_fail_on_a_step_that_breaks_them() => Scenario("test_the_invariants_fail_on_a_step_that_breaks_them");
    [Fact] public void A_run_killed_inside_scale_yml_pairs_the_notready_successor() => Scenario("test_a_run_killed_inside_scale_yml_pairs_the_notready_successor");
    [Fact] public void Cloudformation_cleanup_before_during_and_after_a_rollback_run() => Scenario("test_cloudformation_cleanup_before_during_and_after_a_rollback_run");
    [Fact] public void A_dead_control_plane_comes_back_through_generations_with_its_workers() => Scenario("test_a_dead_control_plane_comes_back_through_generations_with_its_workers");
    [Fact] public void A_kill_at_each_step_of_a_worker_replacement() => Scenario("test_a_kill_at_each_step_of_a_worker_replacement");
}
