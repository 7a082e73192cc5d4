using System.Text.Json.Nodes;
using Amazon.EC2.Model;
using K8sLab.Configuration;
using K8sLab.Network;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Network;

/// <summary>
/// CDK 2.160.0's handler behind RestrictDefaultSecurityGroup, moved to a runtime Lambda still
/// accepts: run, as the template ships it, on that runtime's Node.js major against an EC2 emulator.
/// </summary>
[Collection(CdkCollection.Name)]
[Trait("Uses", "jsii")]
public sealed class DefaultSecurityGroupHandlerTests
{
    [Fact]
    public void The_handler_closes_and_reopens_the_default_group_on_the_node_version_of_its_runtime()
    {
        var outdir = Directory.CreateTempSubdirectory("k8slab-handler-").FullName;
        try
        {
            Synth.LabInto(outdir, EnvironmentFiles.Load(Repo.EnvironmentsFolder, "dev"));
            var resources = JsonNode.Parse(File.ReadAllText(Path.Combine(outdir, "K8sLab-dev-Network.template.json")))!["Resources"]!.AsObject();
            var function = Assert.Single(resources, r => r.Value!["Type"]!.GetValue<string>() == "AWS::Lambda::Function").Value!["Properties"]!;
            var runtime = function["Runtime"]!.GetValue<string>();
            Assert.Equal(NetworkStack.DefaultSecurityGroupHandlerRuntime, runtime);
            var major = runtime.Replace("nodejs", "").Replace(".x", "");
            Assert.StartsWith($"v{major}.", Tool.Run(Repo.Node, new[] { "--version" }).StdOut);
            var asset = Path.Combine(outdir, "asset." + Path.GetFileNameWithoutExtension(function["Code"]!["S3Key"]!.GetValue<string>()));

            using var moto = new MotoServer();
            var vpc = moto.Ec2(c => c.CreateVpcAsync(new CreateVpcRequest { CidrBlock = "10.20.0.0/16" })).Vpc.VpcId;
            var group = moto.Ec2(c => c.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { Filters = [new Filter("vpc-id", [vpc]), new Filter("group-name", ["default"])] }))
                .SecurityGroups.Single().GroupId;
            // What a new VPC's default group allows on AWS: everything from itself, everything out.
            moto.Ec2(c => c.AuthorizeSecurityGroupIngressAsync(new AuthorizeSecurityGroupIngressRequest
            {
                GroupId = group,
                IpPermissions = [new IpPermission { IpProtocol = "-1", UserIdGroupPairs = [new UserIdGroupPair { GroupId = group, UserId = MotoServer.Account }] }],
            }));
            Assert.Equal((1, 1), Rules(moto, group));

            RunHandler(moto, asset, "Create", group);
            Assert.Equal((0, 0), Rules(moto, group));
            RunHandler(moto, asset, "Delete", group);
            Assert.Equal((1, 1), Rules(moto, group));
        }
        finally
        {
            Directory.Delete(outdir, recursive: true);
        }
    }

    private static (int Ingress, int Egress) Rules(MotoServer moto, string group)
    {
        var found = moto.Ec2(c => c.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { GroupIds = [group] })).SecurityGroups.Single();
        return (found.IpPermissions?.Count ?? 0, found.IpPermissionsEgress?.Count ?? 0);
    }

    /// <summary>The handler's own entry point, with the AWS SDK v3 that Lambda's Node.js runtimes provide.</summary>
    private static void RunHandler(MotoServer moto, string asset, string requestType, string group)
    {
        var script = $$"""
            require({{System.Text.Json.JsonSerializer.Serialize(Path.Combine(asset, "index.js"))}}).handler({
              RequestType: "{{requestType}}",
              ResourceProperties: { DefaultSecurityGroupId: "{{group}}", Account: "{{MotoServer.Account}}" },
            }).then(() => console.log("done"), e => { console.error(e); process.exit(1); });
            """;
        var environment = moto.ClientEnvironment;
        environment["NODE_PATH"] = Repo.PathOf("node_modules");
        var result = Tool.Run(Repo.Node, new[] { "-e", script }, environment: environment);
        Assert.True(result.ExitCode == 0, $"{requestType}: {result.Output}");
    }
}
