using System.Text.Json.Nodes;
using K8sLab.Tests.Rules;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Stacks;

/// <summary>The Nodes stack's side of convergence: the request, the wait, and when they change.</summary>
[Collection(CdkCollection.Name)]
public class ConvergenceStackTests
{
    private static JsonObject Resources(Synthesized s) => s.Template("K8sLab-test-Nodes")["Resources"]!.AsObject();

    private static string WaitId(Synthesized s) =>
        Assert.Single(Resources(s), r => r.Value!["Type"]!.GetValue<string>() == "AWS::CloudFormation::WaitCondition").Key;

    [Fact]
    public void The_deploy_waits_for_a_request_written_after_every_node_exists()
    {
        var lab = Synth.Lab(Environments.With());
        var resources = Resources(lab);
        var request = resources["ConvergeRequest"]!;
        Assert.Equal("/k8slab/test/converge-request", request["Properties"]!["Name"]!.GetValue<string>());
        var instances = lab.Resources("AWS::EC2::Instance").Where(r => r.Stack == "K8sLab-test-Nodes").Select(r => r.LogicalId).Order();
        Assert.Equal(instances, request["DependsOn"]!.AsArray().Select(d => d!.GetValue<string>()).Order());

        var wait = resources[WaitId(lab)]!;
        Assert.Equal($"{50 * 60 + 3 * 20}", wait["Properties"]!["Timeout"]!.GetValue<string>()); // 50 min + 20 s a node
        Assert.Contains("ConvergeRequest", wait["DependsOn"]!.ToJsonString());
        var handle = Json.References(wait["Properties"]!["Handle"]).Single();
        Assert.StartsWith("ConvergeSignal", handle);
        // The request carries the handle's URL by reference: no URL, no secret in the template.
        Assert.Contains(handle, Json.References(request["Properties"]!["Value"]));
        Assert.Contains("\\\"names\\\":\\\"worker-1..2\\\"", lab.Texts["K8sLab-test-Nodes"]);
    }

    [Fact]
    public void The_wait_is_new_exactly_when_the_node_set_or_image_changes()
    {
        var same = WaitId(Synth.Lab(Environments.With()));
        Assert.Equal(same, WaitId(Synth.Lab(Environments.With())));
        Assert.NotEqual(same, WaitId(Synth.Lab(Environments.With("test", ("count: 2\n  instanceType: t3.medium", "count: 3\n  instanceType: t3.medium")))));
        Assert.NotEqual(same, WaitId(Synth.Lab(Environments.With("test", ("amiId: ami-0123456789abcdef0", "amiId: ami-0fedcba9876543210")))));
    }

    [Fact]
    public void The_bastion_may_read_the_request_and_nothing_else_of_ssm_but_the_key()
    {
        var security = Synth.RepositoryEnvironment("dev").Template("K8sLab-dev-Security").ToJsonString();
        Assert.Contains("ReadConvergeRequest", security);
        Assert.Contains(":parameter/k8slab/dev/converge-request", security);
    }
}
