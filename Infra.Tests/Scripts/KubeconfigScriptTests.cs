using System.Text.Json.Nodes;
using K8sLab.Bootstrap;
using K8sLab.Convergence;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Scripts;

/// <summary>
/// scripts/kubeconfig.sh against moto's STS, SSM and EC2, with the real AWS CLI and the real kubectl
/// (whose kubeconfig the tests read back). The parameter holds what the bastion's convergence
/// writes: k8slab_converge's compact form of a kubeadm-shaped admin.conf with credentials openssl
/// makes for the test. moto 5.2.1 does not serve SSM StartSession (it answers 500, "not
/// implemented"), so that one step is the seam: an <c>aws</c> wrapper hands <c>ssm start-session</c>
/// and its arguments to a stand-in <c>session-manager-plugin</c> that records them (the real CLI calls
/// StartSession, then runs the plugin); every other call goes to the real AWS CLI, pointed at moto.
/// The script reads the environment file through the app the tests built (<see cref="LabApp"/>).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[Trait("Uses", "moto"), RunsForMinutes(1)]
public sealed class KubeconfigScriptTests : IClassFixture<MotoServer>, IClassFixture<KubeconfigScriptTests.AdminCredentials>, IDisposable
{
    /// <summary>
    /// The admin credentials openssl makes (test_kubeconfig.openssl_admin_conf) in the convergence's compact form
    /// (k8slab_converge.kubeconfig), made once for the class: two RSA keys and three openssl runs are about 0.9 s
    /// of CPU. The server address is the example admin.conf's, which a test replaces with its control plane's.
    /// </summary>
    public sealed class AdminCredentials : IDisposable
    {
        public const string ExampleServer = "10.20.131.245";
        public string Folder { get; } = Directory.CreateTempSubdirectory("k8slab-kubeconfig-pki-").FullName;
        public string Compact { get; }

        public AdminCredentials()
        {
            var compact = Python.Run(new[] { "-c", """
                import sys, test_kubeconfig
                from k8slab_converge import kubeconfig
                print(kubeconfig.compact(test_kubeconfig.openssl_admin_conf(sys.argv[1])), end="")
                """, Folder });
            Assert.True(compact.ExitCode == 0, compact.Output);
            Assert.Contains($"server https://{ExampleServer}:6443\n", compact.StdOut);
            Compact = compact.StdOut;
        }

        public void Dispose() => Directory.Delete(Folder, recursive: true);
    }

    private readonly MotoServer _moto;
    private readonly AdminCredentials _admin;
    private readonly string _root = Directory.CreateTempSubdirectory("k8slab-kubeconfig-").FullName;
    private readonly FakeBin _bin;
    private readonly string _kubeconfig;
    private string _bastion = "";
    private string _controlPlaneIp = "";

    /// <summary>Another cluster, user and context, and a current context, that the script must leave alone.</summary>
    private const string Existing = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: kind-kind
          cluster:
            server: https://127.0.0.1:43567
            certificate-authority-data: ZXhhbXBsZQ==
        users:
        - name: kind-kind
          user:
            token: example-only
        contexts:
        - name: kind-kind
          context:
            cluster: kind-kind
            user: kind-kind
            namespace: web
        current-context: kind-kind
        preferences: {}
        """;

    public KubeconfigScriptTests(MotoServer moto, AdminCredentials admin)
    {
        // One emulator for the class, emptied for each test.
        _moto = moto;
        _admin = admin;
        _moto.Reset();
        foreach (var (folder, file) in new[] { ("scripts", "kubeconfig.sh"), ("scripts", "lab-config.sh"), ("environments", "dev.yaml"), ("environments", "cheap.yaml") })
        {
            Directory.CreateDirectory(Path.Combine(_root, folder));
            File.Copy(Repo.PathOf(folder, file), Path.Combine(_root, folder, file));
        }
        Directory.CreateDirectory(Path.Combine(_root, "tmp"));
        _bin = Bin("bin", withPlugin: true);
        _kubeconfig = Path.Combine(_root, "home", ".kube", "config");
        Directory.CreateDirectory(Path.GetDirectoryName(_kubeconfig)!);
        File.WriteAllText(_kubeconfig, Existing);
    }

    private FakeBin Bin(string folder, bool withPlugin)
    {
        var bin = new FakeBin(Path.Combine(_root, folder)).Add("aws", $$"""
            case "$*" in
              "ssm start-session "*) exec session-manager-plugin "$@" ;;
              *) exec "{{_moto.AwsCli}}" --endpoint-url "{{_moto.Endpoint}}" "$@" ;;
            esac
            """);
        return withPlugin ? bin.Add("session-manager-plugin", "exit 0") : bin;
    }

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>A converged dev lab: its bastion and control plane running, the kubeconfig in SSM as the bastion stores it.</summary>
    private void ConvergedDev(bool storeKubeconfig = true, string region = MotoServer.Region)
    {
        _bastion = Launch("bastion", "bastion", region);
        var controlPlane = Launch("cp-1", "control-plane", region);
        _controlPlaneIp = _moto.Instance(controlPlane, region).PrivateIpAddress;
        Launch("worker-1", "worker", region);
        if (!storeKubeconfig) return;
        // The convergence's own compact form of an admin.conf made by openssl, with this control plane's address.
        var compact = _admin.Compact.Replace($"server https://{AdminCredentials.ExampleServer}:", $"server https://{_controlPlaneIp}:");
        _moto.Aws("ssm", "put-parameter", "--region", region, "--name", K8sLab.Contract.LabFacts.KubeconfigParameter("dev"), "--type", "SecureString", "--value", compact);
    }

    private string Launch(string node, string role, string region) =>
        _moto.RunInstance(region, [("k8slab:environment", "dev"), ("k8slab:role", role), ("k8slab:node", node)]);

    private ToolResult Script(FakeBin? bin = null, Dictionary<string, string>? more = null, params string[] args)
    {
        var env = new Dictionary<string, string>(_moto.ClientEnvironment)
        {
            ["HOME"] = Path.Combine(_root, "home"),
            ["KUBECONFIG"] = _kubeconfig,
            // Never ask an instance metadata service for credentials: nothing but loopback is reached.
            ["AWS_EC2_METADATA_DISABLED"] = "true",
            ["TMPDIR"] = Path.Combine(_root, "tmp"),
        };
        env["K8SLAB_APP"] = LabApp.Command;
        foreach (var (k, v) in more ?? new()) env[k] = v;
        return Tool.Run("bash", new[] { "scripts/kubeconfig.sh" }.Concat(args), _root, (bin ?? _bin).Environment(env));
    }

    private static JsonObject View(string file)
    {
        var result = Tool.Run("kubectl", new[] { "config", "view", "--raw", "-o", "json", "--kubeconfig", file });
        Assert.True(result.ExitCode == 0, result.Output);
        return JsonNode.Parse(result.StdOut)!.AsObject();
    }

    private static JsonNode? Named(JsonObject config, string list, string name) =>
        config[list]!.AsArray().SingleOrDefault(e => e!["name"]!.GetValue<string>() == name);

    private static string Decoded(JsonNode? node) => System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(node!.GetValue<string>()));

    private string Pem(string file) => File.ReadAllText(Path.Combine(_admin.Folder, file));

    [Fact]
    public void Writes_the_context_next_to_the_users_own_and_opens_the_port_forward_through_the_bastion()
    {
        ConvergedDev();
        var before = View(_kubeconfig);

        var result = Script(args: "dev");

        Assert.True(result.ExitCode == 0, result.Output);
        var after = View(_kubeconfig);
        // The user's own cluster, user and context and the current context, exactly as they were.
        Assert.Equal(before["current-context"]!.ToJsonString(), after["current-context"]!.ToJsonString());
        foreach (var list in new[] { "clusters", "users", "contexts" })
            Assert.True(JsonNode.DeepEquals(Named(before, list, "kind-kind"), Named(after, list, "kind-kind")), $"{list}: {after[list]}");
        Assert.Equal(2, after["clusters"]!.AsArray().Count);
        // The lab's: through the local end of the tunnel, TLS verified with the cluster's CA under the name kubernetes.
        var cluster = Named(after, "clusters", "k8slab-dev")!["cluster"]!;
        Assert.Equal("https://127.0.0.1:16443", cluster["server"]!.GetValue<string>());
        Assert.Equal("kubernetes", cluster["tls-server-name"]!.GetValue<string>());
        Assert.Null(cluster["insecure-skip-tls-verify"]);
        Assert.Equal(Pem("ca.crt"), Decoded(cluster["certificate-authority-data"]));
        var user = Named(after, "users", "k8slab-dev-admin")!["user"]!;
        Assert.Equal(Pem("admin.crt"), Decoded(user["client-certificate-data"]));
        Assert.Equal(Pem("admin.rsa.key"), Decoded(user["client-key-data"]));
        var context = Named(after, "contexts", "k8slab-dev")!["context"]!;
        Assert.Equal(("k8slab-dev", "k8slab-dev-admin"), (context["cluster"]!.GetValue<string>(), context["user"]!.GetValue<string>()));
        // The port forward: Session Manager's document, through the bastion, to the control plane's 6443.
        var session = Assert.Single(_bin.Calls, c => c.StartsWith("session-manager-plugin ", StringComparison.Ordinal));
        Assert.Equal($$"""session-manager-plugin ssm start-session --region eu-west-1 --target {{_bastion}} --document-name AWS-StartPortForwardingSessionToRemoteHost --parameters {"host":["{{_controlPlaneIp}}"],"portNumber":["6443"],"localPortNumber":["16443"]}""", session);
        // No credential left on disk outside the kubeconfig: the PEM files went before the session began.
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_root, "tmp")));
    }

    [Fact]
    public void A_rerun_changes_nothing_and_another_port_replaces_only_the_labs_entries()
    {
        ConvergedDev();
        Assert.Equal(0, Script(args: "dev").ExitCode);
        var first = File.ReadAllBytes(_kubeconfig);
        Assert.Equal(0, Script(args: "dev").ExitCode);
        Assert.Equal(first, File.ReadAllBytes(_kubeconfig));

        var result = Script(args: new[] { "dev", "--port", "17443", "--print" });
        Assert.True(result.ExitCode == 0, result.Output);
        var after = View(_kubeconfig);
        Assert.Equal("https://127.0.0.1:17443", Named(after, "clusters", "k8slab-dev")!["cluster"]!["server"]!.GetValue<string>());
        Assert.Equal(new[] { "kind-kind", "k8slab-dev" }, after["contexts"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).Order().Reverse());
        // --print: the command, no session.
        Assert.Contains($$"""aws ssm start-session --region eu-west-1 --target {{_bastion}} --document-name AWS-StartPortForwardingSessionToRemoteHost --parameters '{"host":["{{_controlPlaneIp}}"],"portNumber":["6443"],"localPortNumber":["17443"]}'""", result.StdOut);
        Assert.Equal(2, _bin.Calls.Count(c => c.StartsWith("session-manager-plugin ", StringComparison.Ordinal)));
    }

    [Fact]
    public void Writes_into_the_first_file_of_KUBECONFIG_only()
    {
        ConvergedDev();
        var first = Path.Combine(_root, "first.yaml");
        var second = Path.Combine(_root, "second.yaml");
        File.WriteAllText(second, Existing);
        var result = Script(more: new() { ["KUBECONFIG"] = $"{first}:{second}" }, args: new[] { "dev", "--print" });
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(Existing, File.ReadAllText(second));
        Assert.NotNull(Named(View(first), "contexts", "k8slab-dev"));
        Assert.Equal("", View(first)["current-context"]?.GetValue<string>() ?? "");
    }

    private void AssertRefused(ToolResult result, string message)
    {
        Assert.True(result.ExitCode == 1, result.Output);
        Assert.Equal("", result.StdOut);
        var line = Assert.Single(result.StdErr.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("kubeconfig: ", line);
        Assert.Contains(message, line);
        Assert.Equal(Existing, File.ReadAllText(_kubeconfig));
        Assert.DoesNotContain(_bin.Calls, c => c.StartsWith("session-manager-plugin ", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_credentials_one_line_and_nothing_written()
    {
        ConvergedDev();
        AssertRefused(Script(more: new() { ["AWS_ACCESS_KEY_ID"] = "", ["AWS_SECRET_ACCESS_KEY"] = "" }, args: "dev"), "no AWS credentials");
    }

    [Fact]
    public void Before_the_lab_converged_one_line_and_nothing_written()
    {
        ConvergedDev(storeKubeconfig: false);
        AssertRefused(Script(args: "dev"), "no /k8slab/dev/kubeconfig in eu-west-1: the lab has not converged yet");
    }

    [Fact]
    public void Without_a_running_bastion_one_line_and_nothing_written()
    {
        ConvergedDev();
        _moto.Ec2(c => c.StopInstancesAsync(new Amazon.EC2.Model.StopInstancesRequest([_bastion])));
        AssertRefused(Script(args: "dev"), "no running bastion of dev in eu-west-1");
    }

    [Fact]
    public void Without_the_session_manager_plugin_one_line_and_nothing_written()
    {
        ConvergedDev();
        var bare = Bin("bin-without-plugin", withPlugin: false);
        var path = bare.PathWithout("session-manager-plugin");
        AssertRefused(Script(bare, new() { ["PATH"] = path }, "dev"), "Session Manager plugin (session-manager-plugin) is not installed");

        // --print writes the context and prints the command, to run where the plugin is.
        var printed = Script(bare, new() { ["PATH"] = path }, "dev", "--print");
        Assert.True(printed.ExitCode == 0, printed.Output);
        Assert.Contains($"aws ssm start-session --region eu-west-1 --target {_bastion} ", printed.StdOut);
        Assert.Contains("it needs the AWS CLI's Session Manager plugin (session-manager-plugin), which is not installed here", printed.StdOut);
        Assert.NotNull(Named(View(_kubeconfig), "contexts", "k8slab-dev"));
    }

    [Fact]
    public void Without_the_aws_cli_one_line_naming_what_to_install_and_nothing_written()
    {
        ConvergedDev();
        var bare = new FakeBin(Path.Combine(_root, "bin-without-aws")).Add("session-manager-plugin", "exit 0");
        AssertRefused(Script(bare, new() { ["PATH"] = bare.PathWithout("aws") }, "dev", "--print"), "the AWS CLI (aws) is not installed: install AWS CLI version 2");
    }

    [Theory]
    [MemberData(nameof(LabApp.UsEast1), MemberType = typeof(LabApp))]
    public void The_region_is_the_one_the_synth_reads_however_the_file_writes_it(string region)
    {
        File.WriteAllText(Path.Combine(_root, "environments", "dev.yaml"), LabApp.DevWithRegion(region));
        ConvergedDev(region: "us-east-1");

        var result = Script(args: new[] { "dev", "--print" });

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains($"aws ssm start-session --region us-east-1 --target {_bastion} ", result.StdOut);
        Assert.NotNull(Named(View(_kubeconfig), "contexts", "k8slab-dev"));
    }

    [Fact]
    public void A_file_the_synth_refuses_one_line_with_its_error_and_no_aws_call()
    {
        ConvergedDev();
        File.WriteAllText(Path.Combine(_root, "environments", "dev.yaml"), LabApp.DevWithRegion("region: \"eu-west\""));
        AssertRefused(Script(args: "dev"), "kubeconfig: environments/dev.yaml: region: 'eu-west' is not an AWS region that AWS CDK knows; did you mean 'eu-west-1'?");
        Assert.DoesNotContain(_bin.Calls, c => c.StartsWith("aws ", StringComparison.Ordinal));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Equal(2, Script(args: Array.Empty<string>()).ExitCode);
        Assert.Contains("no environments/staging.yaml", Script(args: "staging").StdErr);
        Assert.Contains("--port: a local port from 1024 to 65535, got '80'", Script(args: new[] { "dev", "--port", "80" }).StdErr);
        // A number too large for test's integers: refused like any other, before the context is written.
        ConvergedDev();
        foreach (var port in new[] { "99999999999999999999", "65536", "-1", "16443x" })
            AssertRefused(Script(args: new[] { "dev", "--print", "--port", port }), $"--port: a local port from 1024 to 65535, got '{port}'");
    }
}
