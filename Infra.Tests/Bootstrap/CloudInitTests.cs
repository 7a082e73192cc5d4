using K8sLab.Bootstrap;
using K8sLab.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace K8sLab.Tests.Bootstrap;

/// <summary>The rendered documents against the real validators: cloud-init's schema and shellcheck.</summary>
public class CloudInitTests
{
    private static ToolResult Schema(string text) =>
        Tool.Run("cloud-init", new[] { "schema", "-c", Documents.WriteTemp(text, ".yaml") });

    [Theory]
    [MemberData(nameof(Documents.Names), MemberType = typeof(Documents))]
    public void Every_document_passes_cloud_init_schema(string name)
    {
        var result = Schema(Documents.All[name].Text);
        Assert.True(result.ExitCode == 0, $"{name}: {result.Output}");
        Assert.Contains("Valid cloud-config", result.Output);
    }

    [Fact]
    public void The_schema_check_fails_on_a_broken_document()
    {
        var broken = Documents.All["worker"].Text.Replace("swap:\n  size: 0", "swap:\n  sise: 0");
        Assert.NotEqual(Documents.All["worker"].Text, broken);
        var result = Schema(broken);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("sise", result.Output);
    }

    [Theory]
    [MemberData(nameof(Documents.Names), MemberType = typeof(Documents))]
    public void Every_embedded_shell_script_and_runcmd_passes_shellcheck(string name)
    {
        foreach (var (label, script) in ShellScripts(Documents.All[name].Text))
        {
            var result = Shellcheck(script);
            Assert.True(result.ExitCode == 0, $"{name} {label}:\n{result.Output}");
        }
    }

    [Fact]
    public void Shellcheck_fails_on_a_broken_script()
    {
        var result = Shellcheck("#!/bin/bash\ndir=$1\ncd $dir\nrm -rf $dir/*\n");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("SC2086", result.Output);
    }

    [Theory]
    [MemberData(nameof(Documents.Names), MemberType = typeof(Documents))]
    public void Every_document_is_a_cloud_config_that_reads_back_to_what_was_written(string name)
    {
        var text = Documents.All[name].Text;
        Assert.StartsWith("#cloud-config\n", text);
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        Assert.IsType<YamlMappingNode>(stream.Documents[0].RootNode);
    }

    [Fact]
    public void The_bastion_document_installs_the_program_from_its_asset_and_carries_none_of_it()
    {
        var text = Documents.All["bastion"].Text;
        var files = WriteFiles(text);
        Assert.Equal(EmbeddedFiles.Script("install-program.sh"), files["/usr/local/sbin/k8slab-install-program"]);
        var env = files[BootstrapRenderer.ControlHostEnvironmentFile];
        Assert.Contains($"PROGRAM_SHA256={ControlHostProgram.Sha256}\n", env);
        Assert.Contains($"PROGRAM_KEY={Documents.Program.Key}\n", env);
        Assert.Contains($"PROGRAM_BUCKET={Documents.Program.Bucket}\n", env);
        // Nothing of the program rides along: no Python, no playbook, no unit.
        Assert.DoesNotContain(files.Keys, path => path.StartsWith(K8sLab.Contract.LabFacts.ControlHost.LibraryDir, StringComparison.Ordinal) || path.StartsWith("/etc/systemd", StringComparison.Ordinal));
        Assert.DoesNotContain("def ", text);
        Assert.DoesNotContain("ansible.builtin", text);
        Assert.Equal(new[] { "/usr/local/sbin/k8slab-install-program", "systemctl try-reload-or-restart ssh" }, Runcmd(text));
    }

    private static IEnumerable<string> Runcmd(string document) =>
        ((YamlSequenceNode)((YamlMappingNode)Load(document))["runcmd"]).Cast<YamlScalarNode>().Select(s => s.Value!);

    [Fact]
    public void The_bastion_pins_its_control_host_tools()
    {
        var env = WriteFiles(Documents.All["bastion"].Text)[BootstrapRenderer.ControlHostEnvironmentFile];
        Assert.Contains($"KUBESPRAY_VERSION={ControlHostVersions.Kubespray}\n", env);
        Assert.Contains($"ANSIBLE_CORE_SERIES={ControlHostVersions.AnsibleCoreSeries}\n", env);
        Assert.Contains($"KUBECTL_VERSION={ControlHostVersions.Kubectl}\n", env);
        Assert.Contains($"AWSCLI_VERSION={ControlHostVersions.AwsCli}\n", env);
        Assert.Matches(@"^v\d+\.\d+\.\d+$", ControlHostVersions.Kubespray);
        Assert.Matches(@"^v\d+\.\d+\.\d+$", ControlHostVersions.Kubectl);
    }

    [Fact]
    public void Nodes_get_the_kernel_settings_kubernetes_needs_and_no_swap()
    {
        var text = Documents.All["worker"].Text;
        var files = WriteFiles(text);
        Assert.Equal("overlay\nbr_netfilter\n", files["/etc/modules-load.d/kubernetes.conf"]);
        Assert.Contains("net.bridge.bridge-nf-call-iptables = 1", files["/etc/sysctl.d/99-kubernetes.conf"]);
        Assert.Contains("net.ipv4.ip_forward = 1", files["/etc/sysctl.d/99-kubernetes.conf"]);
        Assert.Contains("swap:\n  size: 0\n", text);
        Assert.Contains("- swapoff -a\n", text);
        Assert.Contains("preserve_hostname: true\n", text);
        Assert.Equal(EmbeddedFiles.ScriptWithoutComments("name-node.sh"), files["/usr/local/sbin/k8slab-name-node"]);
        Assert.Contains("- /usr/local/sbin/k8slab-name-node\n", text);
        Assert.Contains("ssh_pwauth: false\n", text);
        Assert.DoesNotContain("ssh_authorized_keys", text);
    }

    [Fact]
    public void Rendering_is_deterministic_and_the_nodes_of_a_role_share_one_document()
    {
        // Separate renderers: the cache inside one must not be what makes documents equal.
        var a = new BootstrapRenderer().RenderNode(new NodeSpec("test", NodeRole.Worker, 1));
        var b = new BootstrapRenderer().RenderNode(new NodeSpec("test", NodeRole.Worker, 1));
        var c = new BootstrapRenderer().RenderNode(new NodeSpec("test", NodeRole.Worker, 2));
        var cp = new BootstrapRenderer().RenderNode(new NodeSpec("test", NodeRole.ControlPlane, 1));
        Assert.Equal(a.Text, b.Text);
        Assert.Equal(a.Fingerprint, c.Fingerprint);
        Assert.Equal(64, a.Fingerprint.Length);
        Assert.NotEqual(a.Fingerprint, cp.Fingerprint);
        Assert.Equal("control-plane\n", WriteFiles(cp.Text)["/etc/k8slab/node-role"]);
        Assert.NotEqual(a.Fingerprint, new BootstrapRenderer().RenderBastion(Documents.Bastion()).Fingerprint);
    }

    /// <summary>The shell in a document: each executable file it writes, and its runcmd as one script.</summary>
    public static IEnumerable<(string Label, string Script)> ShellScripts(string document)
    {
        foreach (var (path, content) in WriteFiles(document).Where(f => f.Value.StartsWith("#!/bin/")))
            yield return (path, content);
        var root = (YamlMappingNode)Load(document);
        if (root.Children.TryGetValue(new YamlScalarNode("runcmd"), out var runcmd))
            yield return ("runcmd", "#!/bin/sh\n" + string.Join("\n", ((YamlSequenceNode)runcmd).Cast<YamlScalarNode>().Select(s => s.Value)) + "\n");
    }

    public static IReadOnlyDictionary<string, string> WriteFiles(string document)
    {
        var root = (YamlMappingNode)Load(document);
        if (!root.Children.TryGetValue(new YamlScalarNode("write_files"), out var files)) return new Dictionary<string, string>();
        return ((YamlSequenceNode)files).Cast<YamlMappingNode>().ToDictionary(
            f => ((YamlScalarNode)f["path"]).Value!, f => ((YamlScalarNode)f["content"]).Value!);
    }

    private static YamlNode Load(string document)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(document));
        return stream.Documents[0].RootNode;
    }

    private static ToolResult Shellcheck(string script) =>
        Tool.Run("shellcheck", new[] { "--severity=style", Documents.WriteTemp(script, ".sh") });
}
