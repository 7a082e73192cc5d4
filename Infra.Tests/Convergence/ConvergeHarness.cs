using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text.Json;
using System.Text.Json.Nodes;
using K8sLab.Bootstrap;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Convergence;

/// <summary>
/// Runs the bastion's converge script for real against stand-ins: fake aws, ansible-playbook and
/// kubectl executables that record their arguments, and a loopback HTTP server in place of the
/// wait condition's signal URL.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class ConvergeHarness : IDisposable
{
    public const string Cp = "control-plane", Worker = "worker";
    private readonly HttpListener _listener = new();
    private readonly List<JsonObject> _signals = new();
    private readonly FakeBin _bin;

    public string Root { get; } = Directory.CreateTempSubdirectory("k8slab-converge-").FullName;
    public string State => Path.Combine(Root, "state");
    public string Home => Path.Combine(Root, "home");
    public string Inventory => Path.Combine(State, "inventory", "hosts.ini");

    public ConvergeHarness()
    {
        var port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _ = Serve();
        SignalUrl = $"http://127.0.0.1:{port}/signal?presigned=example";

        _bin = new FakeBin(Path.Combine(Root, "bin"))
            .Add("aws", """
                case "$1 $2" in
                  "ssm get-parameter")
                    if [ -f "$FAKE_ROOT/ssm-denied" ]; then echo "An error occurred (AccessDeniedException)" >&2; exit 254; fi
                    if [ ! -f "$FAKE_ROOT/request.json" ]; then echo "An error occurred (ParameterNotFound)" >&2; exit 254; fi
                    cat "$FAKE_ROOT/request.json" ;;
                  "ec2 describe-instances")
                    if [ -f "$FAKE_ROOT/ec2-throttled" ]; then echo "An error occurred (RequestLimitExceeded)" >&2; exit 254; fi
                    cat "$FAKE_ROOT/instances.txt" ;;
                  *) exit 2 ;;
                esac
                """)
            .Add("kubectl", """
                [ -f "$FAKE_ROOT/ready" ] || exit 0
                while read -r name status; do echo "$name   $status    <none>   1m   v1.35.4"; done < "$FAKE_ROOT/ready"
                """);
        // ansible-playbook lives in the ansible venv, as on the bastion.
        new FakeBin(Path.Combine(Root, "venv", "bin"), _bin.CallsLog).Add("ansible", "echo \"10.20.1.10 | SUCCESS\"").Add("ansible-playbook", """
            args="$*"
            inventory=""
            while [ $# -gt 0 ]; do [ "$1" = "-i" ] && inventory=$2; shift; done
            { echo "== $args"; cat "$inventory"; } >> "$FAKE_ROOT/inventories.log"
            echo "PLAY [kubespray] *****"
            if [ -f "$FAKE_ROOT/playbook-fails" ]; then
              echo "fatal: [worker-1]: UNREACHABLE! => {\"msg\": \"ssh: connect to host 10.0.1.11 port 22: timed out\"}"
              exit 2
            fi
            mkdir -p "$(dirname "$inventory")/artifacts"
            echo "apiVersion: v1" > "$(dirname "$inventory")/artifacts/admin.conf"
            echo "PLAY RECAP ***** ok=412 changed=120 failed=0"
            """);
        Directory.CreateDirectory(Path.Combine(Root, "kubespray"));
        Directory.CreateDirectory(Home);

        File.WriteAllText(EnvFile, string.Join("\n", new[]
        {
            "LAB_ENVIRONMENT=test",
            "AWS_REGION=eu-west-1",
            $"KUBESPRAY_DIR={Root}/kubespray",
            $"ANSIBLE_VENV={Root}/venv",
            $"CONVERGE_PARAMETER={BootstrapRenderer.ConvergeParameter("test")}",
            $"STATE_DIR={State}",
            $"LOG_DIR={Root}/log",
            "DISCOVERY_ATTEMPTS=2", "DISCOVERY_PAUSE=0", "READY_ATTEMPTS=2", "READY_PAUSE=0",
        }) + "\n");
    }

    public string SignalUrl { get; private set; }
    private string EnvFile => Path.Combine(Root, "control-host.env");

    public IReadOnlyList<JsonObject> Signals { get { lock (_signals) return _signals.ToList(); } }

    /// <summary>The ansible-playbook calls, as "playbook args...", in order.</summary>
    /// <summary>The ad-hoc ansible calls (waiting for the nodes).</summary>
    public IReadOnlyList<string> AdHoc => _bin.Calls.Where(c => c.StartsWith("ansible ")).ToList();

    public IReadOnlyList<string> Playbooks => _bin.Calls.Where(c => c.StartsWith("ansible-playbook ")).Select(c => c["ansible-playbook ".Length..]).ToList();

    public IReadOnlyList<string> Calls => _bin.Calls;

    /// <summary>The inventory each playbook was given, after a "== args" line.</summary>
    public string InventoriesSeen => File.ReadAllText(Path.Combine(Root, "inventories.log"));

    /// <summary>Writes the request the Nodes stack would: id, signal URL, node groups.</summary>
    public void Request(string id, params (string Role, string Names, string Fingerprint)[] groups) =>
        File.WriteAllText(Path.Combine(Root, "request.json"), JsonSerializer.Serialize(new
        {
            id,
            signal = SignalUrl,
            nodes = groups.Select(g => new { role = g.Role, names = g.Names, fingerprint = g.Fingerprint }),
        }));

    /// <summary>What describe-instances answers: running instances, as the CLI's text output.</summary>
    public void Instances(params (string Name, string Fingerprint, string Launched, string Ip)[] instances) =>
        File.WriteAllText(Path.Combine(Root, "instances.txt"),
            string.Concat(instances.Select(i => $"{i.Name}\t{i.Fingerprint}\t{i.Launched}\t{i.Ip}\n")));

    /// <summary>What kubectl get nodes answers: these nodes Ready, any others listed NotReady.</summary>
    public void Ready(IEnumerable<string> ready, params string[] notReady) =>
        File.WriteAllText(Path.Combine(Root, "ready"),
            string.Concat(ready.Select(n => $"{n} Ready\n").Concat(notReady.Select(n => $"{n} NotReady\n"))));

    public void Ready(params string[] nodes) => Ready((IEnumerable<string>)nodes);

    /// <summary>Makes an AWS call fail: "ssm-denied" or "ec2-throttled".</summary>
    public void AwsFails(string marker) => File.WriteAllText(Path.Combine(Root, marker), "");

    /// <summary>A new wait condition handle for the same request: a new signal URL.</summary>
    public void NewHandle() => SignalUrl = SignalUrl.Replace("presigned=example", "presigned=again");

    public void PlaybooksFail(bool fail)
    {
        var marker = Path.Combine(Root, "playbook-fails");
        if (fail) File.WriteAllText(marker, "");
        else File.Delete(marker);
    }

    public ToolResult Run()
    {
        var script = Path.Combine(Root, "k8slab-converge");
        File.WriteAllText(script, BootstrapRenderer.Script("converge.sh"));
        var result = Tool.Run("bash", new[] { script }, Root, _bin.Environment(new()
        {
            ["K8SLAB_ENV"] = EnvFile,
            ["FAKE_ROOT"] = Root,
            ["HOME"] = Home,
        }));
        // curl returns only after the listener answered, and it answers after recording the signal.
        return result;
    }

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            using (var reader = new StreamReader(context.Request.InputStream))
            {
                var body = JsonNode.Parse(await reader.ReadToEndAsync())!.AsObject();
                body["method"] = context.Request.HttpMethod;
                lock (_signals) _signals.Add(body);
            }
            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
    }
}
