namespace K8sLab.Tests.Support;

/// <summary>
/// The warm AWS CLI (<see cref="WarmAws"/>) behaves as the real one: each call is made with both,
/// the same arguments and environment, against one moto, and their exit codes, outputs and errors
/// must be equal. The one stand-in is the warm server's own launcher.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[Trait("Uses", "moto")]
public sealed class WarmAwsTests : IClassFixture<MotoServer>, IDisposable
{
    private readonly MotoServer _moto;
    private readonly string _dir = Directory.CreateTempSubdirectory("k8slab-warm-aws-").FullName;

    public WarmAwsTests(MotoServer moto)
    {
        _moto = moto;
        _moto.Reset();
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The emulator's environment, with <paramref name="more"/> over it (no instance metadata: no credentials there).</summary>
    private Dictionary<string, string> Environment(Dictionary<string, string>? more = null)
    {
        var env = new Dictionary<string, string>(_moto.ClientEnvironment) { ["AWS_EC2_METADATA_DISABLED"] = "true" };
        foreach (var (key, value) in more ?? new()) env[key] = value;
        return env;
    }

    private ToolResult Same(Dictionary<string, string> environment, params string[] args) => Same(environment, Array.Empty<string>(), args);

    /// <summary>The real CLI's result, after asserting the warm one's is the same; <paramref name="unset"/>: variables the call runs without.</summary>
    private ToolResult Same(Dictionary<string, string> environment, string[] unset, params string[] args)
    {
        Assert.NotEqual(Tool.Locate("aws"), _moto.AwsCli);
        IEnumerable<string> Command(string cli) => unset.SelectMany(name => new[] { "-u", name }).Append(cli).Concat(args);
        var real = Tool.Run("env", Command(Tool.Locate("aws")), _dir, environment);
        var warm = Tool.Run("env", Command(_moto.AwsCli), _dir, environment);
        Assert.Equal(real.StdOut, warm.StdOut);
        Assert.Equal(real.StdErr, warm.StdErr);
        Assert.Equal(real.ExitCode, warm.ExitCode);
        return real;
    }

    [Fact]
    public void A_successful_call_with_a_query_prints_what_the_real_cli_prints()
    {
        var result = Same(Environment(), "ec2", "describe-availability-zones", "--query", "AvailabilityZones[].ZoneName", "--output", "text");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("eu-west-1a", result.StdOut);
    }

    [Fact]
    public void An_unknown_operation_fails_as_the_real_cli_fails()
    {
        var result = Same(Environment(), "ec2", "no-such-operation");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Invalid choice", result.StdErr);
    }

    [Fact]
    public void A_service_error_fails_as_the_real_cli_fails()
    {
        var result = Same(Environment(), "ssm", "get-parameter", "--name", "/k8slab/missing");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("ParameterNotFound", result.StdErr);
    }

    [Fact]
    public void It_reads_the_callers_stdin_and_resolves_files_from_the_callers_working_directory()
    {
        var environment = Environment(new() { ["AWS_CLI"] = _moto.AwsCli });
        var put = Tool.Run("bash", new[] { "-c", "printf 'from stdin' | \"$AWS_CLI\" ssm put-parameter --name /warm/stdin --type String --value file:///dev/stdin" }, _dir, environment);
        Assert.True(put.ExitCode == 0, put.Output);
        File.WriteAllText(Path.Combine(_dir, "value.txt"), "from a relative file");
        Assert.Equal(0, Tool.Run(_moto.AwsCli, new[] { "ssm", "put-parameter", "--name", "/warm/file", "--type", "String", "--value", "file://value.txt" }, _dir, environment).ExitCode);

        Assert.Equal("from stdin\n", Same(environment, "ssm", "get-parameter", "--name", "/warm/stdin", "--query", "Parameter.Value", "--output", "text").StdOut);
        Assert.Equal("from a relative file\n", Same(environment, "ssm", "get-parameter", "--name", "/warm/file", "--query", "Parameter.Value", "--output", "text").StdOut);
    }

    [Fact]
    public void A_calls_options_leave_nothing_for_the_next()
    {
        // A driver keeps its global options in its session's config: a call with a driver of the last
        // call's would print the region in text here.
        var text = Same(Environment(), "--region", "us-east-1", "--output", "text", "ec2", "describe-availability-zones", "--query", "AvailabilityZones[0].RegionName");
        Assert.Equal("us-east-1\n", text.StdOut);
        var json = Same(Environment(), "ec2", "describe-availability-zones", "--query", "AvailabilityZones[0].RegionName");
        Assert.Equal("\"eu-west-1\"\n", json.StdOut);
    }

    [Fact]
    public void The_callers_environment_wins_region_credentials_and_config_file()
    {
        // A call with the emulator's credentials and region first: nothing of it may carry over.
        Same(Environment(), "sts", "get-caller-identity");

        var region = Same(Environment(new() { ["AWS_REGION"] = "us-east-1", ["AWS_DEFAULT_REGION"] = "us-east-1" }),
            "ec2", "describe-availability-zones", "--query", "AvailabilityZones[0].RegionName", "--output", "text");
        Assert.Equal("us-east-1\n", region.StdOut);

        var config = Path.Combine(_dir, "config");
        File.WriteAllText(config, "[default]\nregion = ap-southeast-2\n");
        var fromConfig = Same(Environment(new() { ["AWS_CONFIG_FILE"] = config }), new[] { "AWS_REGION", "AWS_DEFAULT_REGION" },
            "ec2", "describe-availability-zones", "--query", "AvailabilityZones[0].RegionName", "--output", "text");
        Assert.Equal("ap-southeast-2\n", fromConfig.StdOut);

        var noCredentials = Same(Environment(), new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY" }, "sts", "get-caller-identity");
        Assert.NotEqual(0, noCredentials.ExitCode);
        Assert.Contains("Unable to locate credentials", noCredentials.StdErr);
    }
}
