using System.Text.Json.Nodes;
using Amazon.EC2;
using Amazon.EC2.Model;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Scripts;

/// <summary>
/// scripts/lab.sh against moto's EC2 and SSM. The one stand-in is the bastion's answer to SSM Run
/// Command (moto runs no command): an <c>aws</c> wrapper answers <c>ssm send-command</c> and
/// <c>get-command-invocation</c> with kubectl's node list from a file, and passes everything else to
/// the real AWS CLI, pointed at moto. The script reads the environment file through the app the
/// tests built (<see cref="LabApp"/>).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[Trait("Uses", "moto"), RunsForMinutes(2)]
public sealed class LabScriptTests : IClassFixture<MotoServer>, IDisposable
{
    private const string Launched = "1111111111111111111111111111111111111111111111111111111111111111";
    private const string Wanted = "2222222222222222222222222222222222222222222222222222222222222222";

    private readonly MotoServer _moto;
    private readonly string _root = Directory.CreateTempSubdirectory("k8slab-lab-").FullName;
    private readonly FakeBin _aws;
    private readonly string _readyFile;
    private readonly Dictionary<string, string> _ids = new();

    public LabScriptTests(MotoServer moto)
    {
        // One emulator for the class, emptied for each test.
        _moto = moto;
        _moto.Reset();
        foreach (var (folder, file) in new[] { ("scripts", "lab.sh"), ("scripts", "lab-config.sh"), ("environments", "dev.yaml"), ("environments", "spot.yaml"), ("Infra/Costs", "prices.txt") })
        {
            Directory.CreateDirectory(Path.Combine(_root, folder));
            File.Copy(Repo.PathOf(folder.Split('/').Append(file).ToArray()), Path.Combine(_root, folder, file));
        }
        _readyFile = Path.Combine(_root, "ready-nodes");
        File.WriteAllText(_readyFile, "");
        var aws = _moto.AwsCli;
        _aws = new FakeBin().Add("aws", $$"""
            case "$*" in
              "ssm send-command "*) echo 11111111-2222-3333-4444-555555555555 ;;
              "ssm get-command-invocation "*"--query Status "*) echo Success ;;
              "ssm get-command-invocation "*) cat "{{_readyFile}}" ;;
              *) exec "{{aws}}" --endpoint-url "{{_moto.Endpoint}}" "$@" ;;
            esac
            """).Add("npx", CdkDestroy);
    }

    /// <summary>
    /// The CDK CLI's destroy, recorded: moto runs no CloudFormation deploy of the lab, so what the
    /// stacks' deletion does to the lab's instances is done here: the environment's are terminated.
    /// Its buckets are deleted as CloudFormation deletes them: only an empty one, else the destroy fails.
    /// </summary>
    private const string CdkDestroy = """
        env=$(sed -n 's/.*-c env=\([a-z0-9-]*\).*/\1/p' <<<"$*")
        ids=$(aws ec2 describe-instances --filters "Name=tag:k8slab:environment,Values=$env" "Name=instance-state-name,Values=pending,running,stopping,stopped" \
          --query 'Reservations[].Instances[].InstanceId' --output text)
        [ -z "$ids" ] || aws ec2 terminate-instances --instance-ids $ids >/dev/null
        for bucket in $(aws resourcegroupstaggingapi get-resources --resource-type-filters s3 --tag-filters "Key=k8slab:environment,Values=$env" \
          --query 'ResourceTagMappingList[].ResourceARN' --output text | tr '\t' '\n' | sed 's/^arn:aws:s3::://'); do
          aws s3api delete-bucket --bucket "$bucket" || { echo "DELETE_FAILED: bucket $bucket is not empty" >&2; exit 1; }
        done
        """;

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>A lab as the stacks launch it: tags, root volume size, the NAT instance without a role.</summary>
    private void Launch(string environment, string region, string name, string? role, string fingerprint, int gib)
    {
        var tags = new List<(string, string)> { ("k8slab:environment", environment), ("k8slab:userdata-sha256", fingerprint) };
        if (role is null) tags.Add(("Name", name));
        else tags.AddRange([("k8slab:role", role), ("k8slab:node", name)]);
        _ids[environment == "prod" ? "prod/" + name : name] = _moto.RunInstance(region, tags, gib);
    }

    private void LaunchDev()
    {
        Launch("dev", "eu-west-1", "bastion", "bastion", Wanted, 20);
        Launch("dev", "eu-west-1", "cp-1", "control-plane", Wanted, 30);
        Launch("dev", "eu-west-1", "worker-1", "worker", Wanted, 30);
        Launch("dev", "eu-west-1", "worker-2", "worker", Launched, 30);
        // Another environment's instance, which no command of dev may touch.
        Launch("prod", "eu-west-1", "worker-1", "worker", Wanted, 30);
    }

    /// <summary>What the synth wrote for dev: every node wants <see cref="Wanted"/>, and the given instance types.</summary>
    private void SynthesizedDev(IReadOnlyDictionary<string, string>? types = null)
    {
        JsonObject Instance(string node, string fingerprint)
        {
            var properties = new JsonObject
            {
                ["Tags"] = new JsonArray(
                    new JsonObject { ["Key"] = "k8slab:node", ["Value"] = node },
                    new JsonObject { ["Key"] = "k8slab:userdata-sha256", ["Value"] = fingerprint }),
            };
            if (types?.GetValueOrDefault(node) is { } type) properties["InstanceType"] = type;
            return new JsonObject { ["Type"] = "AWS::EC2::Instance", ["Properties"] = properties };
        }
        var resources = new JsonObject();
        foreach (var node in new[] { "cp-1", "worker-1", "worker-2" })
            resources[node.Replace("-", "")] = Instance(node, Wanted);
        Directory.CreateDirectory(Path.Combine(_root, "cdk.out"));
        File.WriteAllText(Path.Combine(_root, "cdk.out", "K8sLab-dev-Nodes.template.json"), new JsonObject { ["Resources"] = resources }.ToJsonString());
        if (types?.GetValueOrDefault("bastion") is not null)
            File.WriteAllText(Path.Combine(_root, "cdk.out", "K8sLab-dev-Bastion.template.json"),
                new JsonObject { ["Resources"] = new JsonObject { ["Bastion"] = Instance("bastion", Wanted) } }.ToJsonString());
    }

    /// <summary>A bucket as the Security stack makes it (CloudFormation's name, the stack's tags), with <paramref name="objects"/> snapshots in it.</summary>
    private string SnapshotBucket(string environment, int objects)
    {
        var name = $"k8slab-{environment}-security-snapshotbucket07f3b8c2-0a1b2c3d4e5f";
        _moto.Aws("s3api", "create-bucket", "--bucket", name, "--create-bucket-configuration", "LocationConstraint=eu-west-1");
        _moto.Aws("s3api", "put-bucket-tagging", "--bucket", name, "--tagging",
            $"TagSet=[{{Key=k8slab:environment,Value={environment}}},{{Key=k8slab:managed-by,Value=cdk}}]");
        var file = Path.Combine(_root, "snapshot.db");
        File.WriteAllText(file, "etcd");
        for (var i = 1; i <= objects; i++)
            _moto.Aws("s3", "cp", file, $"s3://{name}/etcd/2026-12-04T0{i}00Z.db");
        return name;
    }

    private string Objects(string bucket) => _moto.Aws("s3api", "list-objects-v2", "--bucket", bucket, "--query", "length(Contents || `[]`)");

    private ToolResult Lab(params string[] args) =>
        Tool.Run("bash", new[] { "scripts/lab.sh" }.Concat(args), _root,
            _aws.Environment(new Dictionary<string, string>(_moto.ClientEnvironment) { ["LAB_POLL_SECONDS"] = "0", ["LAB_READY_TIMEOUT"] = "0", ["K8SLAB_APP"] = LabApp.Command }));

    private string State(string name) => InstanceState(_ids[name]);

    private int CallIndex(string fragment) => _aws.Calls.ToList().FindIndex(c => c.Contains(fragment));

    [Fact]
    public void Status_shows_per_node_the_instance_its_state_both_fingerprints_and_readiness()
    {
        LaunchDev();
        SynthesizedDev();
        File.WriteAllText(_readyFile, "cp-1       Ready      control-plane   1h   v1.35.4\nworker-1   Ready      <none>   1h   v1.35.4\nworker-2   NotReady   <none>   1h   v1.35.4\n");

        var result = Lab("status", "dev");

        Assert.True(result.ExitCode == 0, result.Output);
        var lines = result.StdOut.Split('\n');
        string Row(string node) => lines.Single(l => l.StartsWith(node + " "));
        Assert.Matches($@"^cp-1\s+control-plane\s+{_ids["cp-1"]}\s+running\s+t3\.small\s+{Wanted[..12]}\s+{Wanted[..12]}\s+Ready$", Row("cp-1"));
        Assert.Matches($@"^worker-2\s+worker\s+{_ids["worker-2"]}\s+running\s+t3\.small\s+{Launched[..12]}\s+{Wanted[..12]}\*\s+NotReady$", Row("worker-2"));
        Assert.Matches(@"^bastion\s+bastion\s+\S+\s+running\s+t3\.small\s+222222222222\s+\?\s+-$", Row("bastion"));
        Assert.Contains("*: 1 instance(s) will be replaced by the next deploy (npx cdk deploy --all -c env=dev): another bootstrap or instance type than the templates want", result.StdOut);
        Assert.Single(lines, l => l.StartsWith("worker-1 "));
        // Every node of the file has its instance: nothing is missing.
        Assert.DoesNotContain("missing", result.StdOut);
    }

    [Fact]
    public void Status_marks_the_nodes_whose_instance_type_the_templates_change_as_replaced_by_the_next_deploy()
    {
        // The instances run t3.small; the templates want t3.medium for worker-1 (and worker-2, replaced for its
        // bootstrap already) and the bastion, whose type changes in place.
        LaunchDev();
        SynthesizedDev(new Dictionary<string, string> { ["cp-1"] = "t3.small", ["worker-1"] = "t3.medium", ["worker-2"] = "t3.medium", ["bastion"] = "t3.medium" });
        File.WriteAllText(_readyFile, "cp-1 Ready control-plane 1h v1.35.4\nworker-1 Ready <none> 1h v1.35.4\nworker-2 Ready <none> 1h v1.35.4\n");

        var result = Lab("status", "dev");

        Assert.True(result.ExitCode == 0, result.Output);
        var lines = result.StdOut.Split('\n');
        string Row(string node) => lines.Single(l => l.StartsWith(node + " "));
        Assert.Matches($@"^cp-1\s+control-plane\s+{_ids["cp-1"]}\s+running\s+t3\.small\s+{Wanted[..12]}\s+{Wanted[..12]}\s+Ready$", Row("cp-1"));
        Assert.Matches($@"^worker-1\s+worker\s+{_ids["worker-1"]}\s+running\s+t3\.small\*\s+{Wanted[..12]}\s+{Wanted[..12]}\s+Ready$", Row("worker-1"));
        Assert.Matches($@"^worker-2\s+worker\s+{_ids["worker-2"]}\s+running\s+t3\.small\*\s+{Launched[..12]}\s+{Wanted[..12]}\*\s+Ready$", Row("worker-2"));
        Assert.Contains("\n*: 2 instance(s) will be replaced by the next deploy (npx cdk deploy --all -c env=dev): another bootstrap or instance type than the templates want\n" +
                        "  worker-1: t3.small → t3.medium\n  worker-2: t3.small → t3.medium\n", result.StdOut);
        Assert.Contains("\n*: bastion: t3.small → t3.medium (the next deploy stops and starts it with the new type)\n", result.StdOut);
    }

    [Fact]
    public void Status_without_synthesized_templates_says_how_to_get_them()
    {
        LaunchDev();
        var result = Lab("status", "dev");
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("no templates of dev", result.StdOut);
        Assert.Contains("npx cdk synth --quiet -c env=dev", result.StdOut);
    }

    [Fact]
    public void Pause_stops_workers_then_control_plane_then_bastion_and_says_what_still_costs()
    {
        LaunchDev();
        var result = Lab("pause", "dev");

        Assert.True(result.ExitCode == 0, result.Output);
        foreach (var node in new[] { "bastion", "cp-1", "worker-1", "worker-2" }) Assert.Equal("stopped", State(node));
        Assert.Equal("running", _moto.Instances(MotoServer.Region, ("tag:k8slab:environment", ["prod"])).Single().State.Name.Value);
        var workers = CallIndex($"stop-instances --instance-ids {_ids["worker-1"]} {_ids["worker-2"]}");
        var controlPlane = CallIndex($"stop-instances --instance-ids {_ids["cp-1"]}");
        var bastion = CallIndex($"stop-instances --instance-ids {_ids["bastion"]}");
        Assert.True(workers >= 0 && workers < controlPlane && controlPlane < bastion, string.Join('\n', _aws.Calls));
        // The volumes at the table's eu-west-1 gp3 price: 110 GB x 0.088 USD a GB-month.
        Assert.Matches(@"110 GB of gp3 volumes\s+\$0\.0133/h\s+\$9\.68/month", result.StdOut);
        Assert.Matches(@"\n  total\s+\$0\.0133/h\s+\$9\.68/month\n", result.StdOut);
    }

    [Fact]
    public void Pause_of_a_priced_region_stops_the_nat_instance_last_and_prices_the_volumes()
    {
        Launch("spot", "us-east-1", "bastion", "bastion", Wanted, 20);
        Launch("spot", "us-east-1", "cp-1", "control-plane", Wanted, 30);
        Launch("spot", "us-east-1", "worker-1", "worker", Wanted, 30);
        Launch("spot", "us-east-1", "K8sLab-spot-Network/Vpc/PublicSubnet1/NatInstance", null, Wanted, 8);

        var result = Lab("pause", "spot");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal("stopped", _moto.Instance(_ids["K8sLab-spot-Network/Vpc/PublicSubnet1/NatInstance"], "us-east-1").State.Name.Value);
        Assert.True(CallIndex($"stop-instances --instance-ids {_ids["bastion"]}") < CallIndex($"stop-instances --instance-ids {_ids["K8sLab-spot-Network/Vpc/PublicSubnet1/NatInstance"]}"));
        // 88 GB at the table's us-east-1 gp3 price of 0.08 USD per GB-month.
        Assert.Matches(@"88 GB of gp3 volumes\s+\$0\.0096/h\s+\$7\.04/month", result.StdOut);
        Assert.Matches(@"\n  total\s+\$0\.0096/h\s+\$7\.04/month\n", result.StdOut);
    }

    [Fact]
    public void Resume_starts_the_control_plane_before_the_workers_and_waits_until_every_node_is_ready()
    {
        LaunchDev();
        Assert.Equal(0, Lab("pause", "dev").ExitCode);
        File.WriteAllText(_readyFile, "cp-1 Ready control-plane 1h v1.35.4\nworker-1 Ready <none> 1h v1.35.4\nworker-2 Ready <none> 1h v1.35.4\n");

        var result = Lab("resume", "dev");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("resumed: every node of dev is Ready", result.StdOut);
        foreach (var node in new[] { "bastion", "cp-1", "worker-1", "worker-2" }) Assert.Equal("running", State(node));
        var bastion = CallIndex($"start-instances --instance-ids {_ids["bastion"]}");
        var controlPlane = CallIndex($"start-instances --instance-ids {_ids["cp-1"]}");
        var workers = CallIndex($"start-instances --instance-ids {_ids["worker-1"]} {_ids["worker-2"]}");
        Assert.True(bastion >= 0 && bastion < controlPlane && controlPlane < workers, string.Join('\n', _aws.Calls));
        // Readiness was asked of the bastion, through SSM Run Command.
        Assert.Contains(_aws.Calls, c => c.StartsWith($"aws ssm send-command --region eu-west-1 --instance-ids {_ids["bastion"]} --document-name AWS-RunShellScript"));
    }

    [Fact]
    public void Resume_names_the_nodes_that_are_not_ready_in_time()
    {
        LaunchDev();
        File.WriteAllText(_readyFile, "cp-1 Ready control-plane 1h v1.35.4\nworker-1 Ready <none> 1h v1.35.4\nworker-2 NotReady <none> 1h v1.35.4\n");
        var result = Lab("resume", "dev");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("not Ready after 0 s: worker-2", result.StdErr);
    }

    /// <summary>
    /// A persistent spot request as a spot launch template of <paramref name="environment"/>'s Nodes
    /// stack makes one, tagged with the template's Name, and the instance it launched. moto makes no
    /// request for RunInstances' market options, so the request is made directly.
    /// </summary>
    private (string Request, string Instance) SpotRequest(string environment)
    {
        var made = _moto.Ec2(c => c.RequestSpotInstancesAsync(new RequestSpotInstancesRequest
        {
            Type = SpotInstanceType.Persistent,
            InstanceInterruptionBehavior = InstanceInterruptionBehavior.Stop,
            LaunchSpecification = new LaunchSpecification { ImageId = Environments.ExampleAmi, InstanceType = InstanceType.T3Small },
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.SpotInstancesRequest, Tags = MotoServer.Tags([("Name", $"K8sLab-{environment}-Nodes/WorkerBootstrap0a1b2cSpot/Template")]) }],
        })).SpotInstanceRequests[0];
        return (made.SpotInstanceRequestId, made.InstanceId);
    }

    /// <summary>The request's instance as the stack's node: the tags CloudFormation gives it.</summary>
    private void AsLabNode(string instance, string node) =>
        _moto.Ec2(c => c.CreateTagsAsync(new CreateTagsRequest([instance],
            MotoServer.Tags([("k8slab:environment", "dev"), ("k8slab:role", "worker"), ("k8slab:node", node), ("k8slab:userdata-sha256", Wanted)]))));

    private string[] LiveSpotRequests() =>
        (_moto.Ec2(c => c.DescribeSpotInstanceRequestsAsync(new DescribeSpotInstanceRequestsRequest { Filters = [new Filter("state", ["open", "active", "disabled"])] }))
            .SpotInstanceRequests ?? []).Select(r => r.SpotInstanceRequestId).ToArray();

    private string InstanceState(string id) => _moto.Instance(id).State.Name.Value;

    private void Terminate(string id) => _moto.Ec2(c => c.TerminateInstancesAsync(new TerminateInstancesRequest([id])));

    [Fact]
    public void Status_warns_about_spot_requests_whose_instance_is_not_the_labs()
    {
        LaunchDev();
        var node = SpotRequest("dev");                // worker-3's own request: its instance is the lab's
        AsLabNode(node.Instance, "worker-3");
        var replaced = SpotRequest("dev");            // a replaced node's: CloudFormation terminated its instance
        Terminate(replaced.Instance);
        var relaunched = SpotRequest("dev");          // one that launched an instance outside the stacks
        var prod = SpotRequest("prod");               // another lab's, not dev's business

        var result = Lab("status", "dev");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("spot: 2 request(s) of dev can launch instances that are not the lab's", result.StdOut);
        Assert.Matches($@"\n  {replaced.Request}\s+active\s+{replaced.Instance} \(terminated, not one of the lab's instances\)\n", result.StdOut);
        Assert.Matches($@"\n  {relaunched.Request}\s+active\s+{relaunched.Instance} \(running, not one of the lab's instances\)\n", result.StdOut);
        Assert.DoesNotContain(node.Request, result.StdOut);
        Assert.DoesNotContain(prod.Request, result.StdOut);
        Assert.Contains($"aws ec2 cancel-spot-instance-requests --region eu-west-1 --spot-instance-request-ids {replaced.Request} {relaunched.Request} ", result.StdOut);
        Assert.Matches(@"\nworker-3\s+worker\s+", result.StdOut);
    }

    [Fact]
    public void Status_names_the_nodes_without_an_instance_and_how_to_get_them_back()
    {
        Launch("dev", "eu-west-1", "bastion", "bastion", Wanted, 20);
        Launch("dev", "eu-west-1", "cp-1", "control-plane", Wanted, 30);
        Launch("dev", "eu-west-1", "worker-2", "worker", Wanted, 30);
        Terminate(_ids["worker-2"]);

        var result = Lab("status", "dev");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Matches(@"\nworker-1\s+-\s+no instance\s+missing\n", result.StdOut);
        Assert.Matches($@"\nworker-2\s+-\s+{_ids["worker-2"]} \(terminated\)\s+missing\n", result.StdOut);
        Assert.Contains("missing: 2 node(s) of environments/dev.yaml have no instance: worker-1 worker-2", result.StdOut);
        Assert.Contains("  worker-2: workers.generations.worker-2: a new number in environments/dev.yaml, then npx cdk deploy --all -c env=dev", result.StdOut);
        Assert.DoesNotContain("cp-1: ", result.StdOut);
    }

    [Fact]
    public void Without_the_aws_cli_one_line_naming_what_to_install()
    {
        var bare = new FakeBin();
        var result = Tool.Run("bash", new[] { "scripts/lab.sh", "status", "dev" }, _root, bare.Environment(new() { ["PATH"] = bare.PathWithout("aws"), ["K8SLAB_APP"] = LabApp.Command }));
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("lab: the AWS CLI (aws) is not installed: install AWS CLI version 2 (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html)",
            result.StdErr.TrimEnd('\n'));
    }

    [Fact]
    public void Status_of_a_lab_with_its_own_spot_requests_only_warns_of_nothing()
    {
        LaunchDev();
        AsLabNode(SpotRequest("dev").Instance, "worker-3");
        var result = Lab("status", "dev");
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.DoesNotContain("spot:", result.StdOut);
    }

    [Fact]
    public void Destroy_cancels_the_labs_spot_requests_before_the_cdk_destroy_and_deletes_the_kubeconfig_parameter()
    {
        LaunchDev();
        var node = SpotRequest("dev");
        AsLabNode(node.Instance, "worker-3");
        var prod = SpotRequest("prod");
        _moto.Aws("ssm", "put-parameter", "--name", K8sLab.Contract.LabFacts.KubeconfigParameter("dev"), "--type", "SecureString", "--value", "k8slab-kubeconfig 1");

        var result = Lab("destroy", "dev", "--yes");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(new[] { prod.Request }, LiveSpotRequests());
        var cancel = CallIndex($"cancel-spot-instance-requests --spot-instance-request-ids {node.Request}");
        var destroy = CallIndex("npx cdk destroy --all --force -c env=dev");
        Assert.True(cancel >= 0 && cancel < destroy, string.Join('\n', _aws.Calls));
        // The stack's own instance is CloudFormation's to terminate (the destroy's), not the script's.
        Assert.DoesNotContain(_aws.Calls.Take(destroy), c => c.Contains("terminate-instances"));
        Assert.Contains("deleted /k8slab/dev/kubeconfig", result.StdOut);
        Assert.Equal("", _moto.Aws("ssm", "describe-parameters", "--query", "Parameters[].Name"));
        Assert.Contains("destroyed: dev (checked in eu-west-1: no stack, instance, NAT gateway, volume, address, spot request, /k8slab/dev/ parameter or bucket of it remains)", result.StdOut);
        Assert.Equal("running", InstanceState(_ids["prod/worker-1"]));
    }

    [Fact]
    public void Destroy_stops_on_instances_the_requests_launched_outside_the_stacks_unless_told_to_terminate_them()
    {
        LaunchDev();
        var relaunched = SpotRequest("dev");

        var refused = Lab("destroy", "dev", "--yes");

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"the spot requests of dev launched instance(s) outside the stacks: {relaunched.Instance}", refused.StdErr);
        Assert.Equal(new[] { relaunched.Request }, LiveSpotRequests());
        Assert.Equal(-1, CallIndex("npx "));

        var result = Lab("destroy", "dev", "--yes", "--terminate");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Empty(LiveSpotRequests());
        Assert.Equal("terminated", InstanceState(relaunched.Instance));
        Assert.True(CallIndex($"terminate-instances --instance-ids {relaunched.Instance}") < CallIndex("npx cdk destroy"), string.Join('\n', _aws.Calls));
        Assert.Contains($"terminated instance(s) the spot requests had launched outside the stacks: {relaunched.Instance}", result.StdOut);
    }

    [Fact]
    public void Destroy_lists_what_remains_and_does_not_say_destroyed()
    {
        LaunchDev();
        _aws.Add("npx", "exit 0"); // a destroy that deleted nothing
        _moto.Aws("cloudformation", "create-stack", "--stack-name", "K8sLab-dev-Nodes",
            "--template-body", """{"Resources":{"Topic":{"Type":"AWS::SNS::Topic"}}}""");
        var labTag = MotoServer.Tags([("k8slab:environment", "dev")]);
        var volume = _moto.Ec2(c => c.CreateVolumeAsync(new CreateVolumeRequest
        {
            AvailabilityZone = "eu-west-1a",
            Size = 8,
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Volume, Tags = labTag }],
        })).Volume.VolumeId;
        var address = _moto.Ec2(c => c.AllocateAddressAsync(new AllocateAddressRequest
        {
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.ElasticIp, Tags = labTag }],
        })).PublicIp;
        _moto.Aws("ssm", "put-parameter", "--name", K8sLab.Contract.LabFacts.RequestParameter("dev"), "--type", "String", "--value", "x");

        var result = Lab("destroy", "dev", "--yes");

        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain("destroyed:", result.StdOut);
        Assert.Contains("lab: dev is not gone: these remain in eu-west-1", result.StdErr);
        Assert.Contains("\n  stack K8sLab-dev-Nodes (CREATE_COMPLETE)\n", result.StdErr);
        foreach (var node in new[] { "bastion", "cp-1", "worker-1", "worker-2" })
            Assert.Contains($"\n  instance {_ids[node]} ({node}, running)\n", result.StdErr);
        Assert.DoesNotContain(_ids["prod/worker-1"], result.StdErr);
        Assert.Contains($"\n  volume {volume} (8 GiB, available)\n", result.StdErr);
        Assert.Contains($"\n  address {address} (", result.StdErr);
        Assert.Contains("\n  parameter /k8slab/dev/converge-request\n", result.StdErr);
    }

    [Fact]
    public void Destroy_empties_the_labs_snapshot_bucket_before_the_cdk_destroy_which_then_deletes_it()
    {
        LaunchDev();
        var bucket = SnapshotBucket("dev", 3);
        var prod = SnapshotBucket("prod", 1);

        var result = Lab("destroy", "dev", "--yes");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains($"and emptying bucket {bucket} (the etcd snapshots)", result.StdOut);
        Assert.Contains($"emptied bucket {bucket} (the etcd snapshots)", result.StdOut);
        var empty = CallIndex($"s3 rm s3://{bucket} --recursive");
        Assert.True(empty >= 0 && empty < CallIndex("npx cdk destroy"), string.Join('\n', _aws.Calls));
        Assert.Contains("destroyed: dev (checked in eu-west-1: no stack, instance, NAT gateway, volume, address, spot request, /k8slab/dev/ parameter or bucket of it remains)", result.StdOut);
        Assert.DoesNotContain(bucket, _moto.Aws("s3api", "list-buckets", "--query", "Buckets[].Name"));
        // Another environment's bucket is not the destroy's.
        Assert.Equal("1", Objects(prod));
    }

    [Fact]
    public void Destroy_lists_a_snapshot_bucket_that_remains()
    {
        LaunchDev();
        _aws.Add("npx", "exit 0"); // a destroy that deleted nothing
        var bucket = SnapshotBucket("dev", 2);

        var result = Lab("destroy", "dev", "--yes");

        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain("destroyed:", result.StdOut);
        Assert.Equal("0", Objects(bucket)); // emptied before the destroy all the same
        Assert.Contains($"\n  bucket {bucket} (etcd snapshots: the cluster's secrets; aws s3 rb s3://{bucket} --force)\n", result.StdErr);
        Assert.DoesNotContain("prod", result.StdErr);
    }

    [Fact]
    public void Destroy_without_the_environments_name_changes_nothing()
    {
        LaunchDev();
        var request = SpotRequest("dev");
        AsLabNode(request.Instance, "worker-3");
        var result = Lab("destroy", "dev");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("not destroyed (answer with the environment's name, or pass --yes)", result.StdErr);
        Assert.Equal(new[] { request.Request }, LiveSpotRequests());
        Assert.Equal(-1, CallIndex("npx "));
    }

    [Theory]
    [MemberData(nameof(LabApp.UsEast1), MemberType = typeof(LabApp))]
    public void The_region_is_the_one_the_synth_reads_however_the_file_writes_it(string region)
    {
        File.WriteAllText(Path.Combine(_root, "environments", "home.yaml"), LabApp.DevWithRegion(region));
        Launch("home", "us-east-1", "bastion", "bastion", Wanted, 20);
        Launch("home", "us-east-1", "cp-1", "control-plane", Wanted, 30);
        Launch("home", "us-east-1", "worker-1", "worker", Wanted, 30);
        File.WriteAllText(_readyFile, "cp-1 Ready control-plane 1h v1.35.4\nworker-1 Ready <none> 1h v1.35.4\n");

        var result = Lab("status", "home");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("K8sLab home (us-east-1):", result.StdOut);
        Assert.Matches($@"\ncp-1\s+control-plane\s+{_ids["cp-1"]}\s+running\s+t3\.small\s+{Wanted[..12]}\s+\?\s+Ready\n", result.StdOut);
        Assert.Contains(_aws.Calls, c => c.StartsWith($"aws ssm send-command --region us-east-1 --instance-ids {_ids["bastion"]} ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_file_the_synth_refuses_stops_every_command_with_its_errors_before_any_aws_call()
    {
        LaunchDev();
        File.WriteAllText(Path.Combine(_root, "environments", "dev.yaml"), LabApp.DevWithRegion("region: \"eu-west\"").Replace("  count: 1 ", "  count: 2 "));

        foreach (var args in new[] { new[] { "status", "dev" }, new[] { "pause", "dev" }, new[] { "resume", "dev" }, new[] { "destroy", "dev", "--yes" } })
        {
            var result = Lab(args);
            Assert.True(result.ExitCode == 1, result.Output);
            Assert.Equal("", result.StdOut);
            Assert.Equal(new[]
            {
                "lab: environments/dev.yaml: region: 'eu-west' is not an AWS region that AWS CDK knows; did you mean 'eu-west-1'?",
                "lab: environments/dev.yaml: controlPlane.count: must be odd (etcd runs on the control plane and needs a majority), got 2",
            }, result.StdErr.TrimEnd('\n').Split('\n').Select(l => l.Split(" Known: ")[0]));
        }
        Assert.Empty(_aws.Calls);
        foreach (var node in new[] { "bastion", "cp-1", "worker-1", "worker-2" }) Assert.Equal("running", State(node));
    }

    [Fact]
    public void An_unknown_environment_or_command_is_refused()
    {
        Assert.Equal(2, Lab("restart", "dev").ExitCode);
        Assert.Equal(2, Lab("status", "dev", "--yes").ExitCode);
        Assert.Equal(2, Lab("destroy", "dev", "--force").ExitCode);
        var result = Lab("status", "staging");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no environments/staging.yaml", result.StdErr);
    }
}
