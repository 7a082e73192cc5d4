using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;

namespace K8sLab.Tests.Support;

/// <summary>
/// moto's AWS API emulator on a free loopback port, for tests that run real AWS clients (the AWS
/// CLI, boto3, the JavaScript SDK) against EC2 and SSM. Stopped, with its children, on dispose.
/// A class fixture (IClassFixture) shares one per test class; <see cref="Reset"/> empties it between tests.
/// The AWS CLI runs warm beside it once a test asks for it (<see cref="AwsCli"/>, <see cref="WarmAws"/>);
/// a test's own EC2 setup and checks go through the AWS SDK for .NET (<see cref="Ec2"/>), in process.
/// </summary>
public sealed class MotoServer : IDisposable
{
    public const string Region = "eu-west-1";
    /// <summary>moto's default account: an obvious example, never a real one.</summary>
    public const string Account = "123456789012";

    private readonly Process _process;
    // Started by the first AwsCli: the scenario classes talk to moto through boto3 only, and a warm
    // CLI's start (its imports and models) is about 2 s of CPU.
    private readonly Lazy<WarmAws?> _warmAws = new(StartWarmAws);
    private readonly ConcurrentDictionary<string, AmazonEC2Client> _ec2 = new();
    private bool _disposed;
    public string Endpoint { get; }

    /// <summary>
    /// The AWS CLI the tests run: a launcher of the warm server (<see cref="WarmAws"/>) when this
    /// machine's <c>aws</c> is a Python script (AWS CLI v1), else that <c>aws</c> itself.
    /// </summary>
    public string AwsCli => _warmAws.Value?.Launcher ?? Tool.Locate("aws");

    public MotoServer()
    {
        var port = FreePort();
        Endpoint = $"http://127.0.0.1:{port}";
        var start = new ProcessStartInfo(Tool.Locate("moto_server"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-H", "127.0.0.1", "-p", port.ToString() }) start.ArgumentList.Add(arg);
        // No catalogue of Amazon's images: moto loads it into every region's EC2 backend it makes, after
        // each reset too (about 0.14 s of CPU each), and no test reads it (an AMI ID is any the emulator is given).
        start.Environment["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false";
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        try
        {
            WaitUntilListening(port);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private static WarmAws? StartWarmAws()
    {
        var warm = WarmAws.StartFor(Tool.Locate("aws"));
        try
        {
            warm?.WaitUntilAccepting();
            return warm;
        }
        catch
        {
            warm?.Dispose();
            throw;
        }
    }

    /// <summary>What an AWS client needs to talk to this emulator and nothing else.</summary>
    public IDictionary<string, string> ClientEnvironment => new Dictionary<string, string>
    {
        ["AWS_ENDPOINT_URL"] = Endpoint,
        ["AWS_REGION"] = Region,
        ["AWS_DEFAULT_REGION"] = Region,
        ["AWS_ACCESS_KEY_ID"] = "testing",
        ["AWS_SECRET_ACCESS_KEY"] = "testing",
        ["AWS_CONFIG_FILE"] = "/dev/null",
        ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null",
    };

    /// <summary>Runs the AWS CLI against the emulator; fails the test on a non-zero exit.</summary>
    public string Aws(params string[] args)
    {
        var result = Tool.Run(AwsCli, new[] { "--endpoint-url", Endpoint, "--output", "text" }.Concat(args), environment: ClientEnvironment);
        Assert.True(result.ExitCode == 0, $"aws {string.Join(' ', args)}: {result.Output}");
        return result.StdOut.Trim();
    }

    /// <summary>
    /// One call of the AWS SDK for .NET's EC2 client on this emulator in <paramref name="region"/>, waited for: a test's
    /// own setup and checks: a call is a request, where an AWS CLI call is a process of its own (about
    /// 0.2 s of CPU where the classes run side by side). What the scripts run is the AWS CLI, as for a user.
    /// </summary>
    public T Ec2<T>(Func<IAmazonEC2, Task<T>> call, string region = Region) =>
        call(_ec2.GetOrAdd(region, r => new AmazonEC2Client(new BasicAWSCredentials("testing", "testing"),
            new AmazonEC2Config { ServiceURL = Endpoint, AuthenticationRegion = r }))).GetAwaiter().GetResult();

    /// <summary>Launches one instance of the example image with <paramref name="tags"/> (and a root volume of <paramref name="rootGib"/>); its ID.</summary>
    public string RunInstance(string region, IEnumerable<(string Key, string Value)> tags, int? rootGib = null)
    {
        var request = new RunInstancesRequest
        {
            ImageId = Environments.ExampleAmi,
            MinCount = 1,
            MaxCount = 1,
            InstanceType = InstanceType.T3Small,
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Instance, Tags = Tags(tags) }],
        };
        if (rootGib is { } gib)
            request.BlockDeviceMappings = [new BlockDeviceMapping { DeviceName = "/dev/sda1", Ebs = new EbsBlockDevice { VolumeSize = gib } }];
        return Ec2(c => c.RunInstancesAsync(request), region).Reservation.Instances[0].InstanceId;
    }

    /// <summary>The instances that <paramref name="filters"/> (name, values) select, in any state.</summary>
    public List<Instance> Instances(string region, params (string Name, string[] Values)[] filters)
    {
        var request = new DescribeInstancesRequest { Filters = filters.Select(f => new Filter(f.Name, f.Values.ToList())).ToList() };
        var reservations = Ec2(c => c.DescribeInstancesAsync(request), region).Reservations ?? [];
        return reservations.SelectMany(r => r.Instances ?? []).ToList();
    }

    /// <summary>One instance, by ID.</summary>
    public Instance Instance(string id, string region = Region) => Instances(region, ("instance-id", [id])).Single();

    public static List<Tag> Tags(IEnumerable<(string Key, string Value)> tags) => tags.Select(t => new Tag(t.Key, t.Value)).ToList();

    /// <summary>
    /// Forgets every resource (moto's own reset API): a test class starts one emulator and each test
    /// begins from an empty account, instead of paying for a new server (about 2 s) per test.
    /// </summary>
    public void Reset()
    {
        using var client = new System.Net.Http.HttpClient();
        using var response = client.PostAsync($"{Endpoint}/moto-api/reset", null).GetAwaiter().GetResult();
        response.EnsureSuccessStatusCode();
    }

    private void WaitUntilListening(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"moto_server exited with {_process.ExitCode} before listening");
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) { Thread.Sleep(100); }
        }
        Dispose();
        throw new TimeoutException("moto_server did not listen within 30 s");
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public void Dispose()
    {
        // Also called when the start fails, then again by the failed start's caller.
        if (_disposed) return;
        _disposed = true;
        if (_warmAws.IsValueCreated) _warmAws.Value?.Dispose();
        foreach (var client in _ec2.Values) client.Dispose();
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(5000);
        _process.Dispose();
    }
}
