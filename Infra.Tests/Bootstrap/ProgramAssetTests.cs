using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using K8sLab.Bootstrap;
using K8sLab.Configuration;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Bootstrap;

/// <summary>
/// The convergence program as the deploy ships it: an archive of converge/ (its tests left out),
/// deterministic, unpacked and importable as the bastion lays it out; its hash in the bastion's user
/// data, so the bastion is replaced exactly when the program changes.
/// </summary>
public class ProgramAssetTests
{
    private static IReadOnlyList<(string Name, TarEntry Entry, byte[] Data)> Entries(byte[] archive)
    {
        var entries = new List<(string, TarEntry, byte[])>();
        using var reader = new TarReader(new MemoryStream(archive));
        while (reader.GetNextEntry(copyData: true) is { } entry)
        {
            using var data = new MemoryStream();
            entry.DataStream?.CopyTo(data);
            entries.Add((entry.Name, entry, data.ToArray()));
        }
        return entries;
    }

    [Fact]
    public void The_archive_is_the_converge_folder_without_its_tests()
    {
        var root = Repo.PathOf("converge");
        var expected = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("tests/", StringComparison.Ordinal) && !f.Contains("__pycache__", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
        var files = Entries(ControlHostProgram.Archive).Where(e => e.Entry.EntryType == TarEntryType.RegularFile).ToList();
        Assert.Equal(expected, files.Select(f => f.Name));
        Assert.Contains("k8slab_converge/planner.py", expected);
        Assert.Contains("contract/lab.json", expected);
        Assert.Contains("systemd/k8slab-snapshot.service", expected);
        Assert.Contains("systemd/k8slab-snapshot.timer", expected);
        Assert.All(files, f => Assert.Equal(File.ReadAllBytes(Path.Combine(root, f.Name)), f.Data));
        // Comments and docstrings stay: nothing is minified any more.
        Assert.Contains("\"\"\"", System.Text.Encoding.UTF8.GetString(files.Single(f => f.Name == "k8slab_converge/planner.py").Data));
        Assert.All(files.Where(f => f.Name.StartsWith("bin/", StringComparison.Ordinal)), f => Assert.True(f.Entry.Mode.HasFlag(UnixFileMode.UserExecute), f.Name));
    }

    /// <summary>The snapshot service runs the program as the converge service does, with the subcommand snapshot; setup enables both timers.</summary>
    [Fact]
    public void The_snapshot_units_run_the_program_as_the_converge_units_do_and_setup_enables_them()
    {
        static Dictionary<string, string> Settings(string unit) => File.ReadAllLines(Repo.PathOf("converge", "systemd", unit))
            .Where(l => l.Contains('=') && !l.StartsWith('#')).Select(l => l.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
        var converge = Settings("k8slab-converge.service");
        var snapshot = Settings("k8slab-snapshot.service");
        foreach (var key in new[] { "Type", "User", "EnvironmentFile", "Environment", "After" })
            Assert.Equal(converge[key], snapshot[key]);
        Assert.Equal("oneshot", snapshot["Type"]);
        Assert.Equal(converge["ExecStart"] + " snapshot", snapshot["ExecStart"]);
        var timer = Settings("k8slab-snapshot.timer");
        Assert.Equal(("15min", "1h", "timers.target"), (timer["OnBootSec"], timer["OnUnitActiveSec"], timer["WantedBy"]));

        var setup = File.ReadAllText(Repo.PathOf("converge", "bin", "setup-control-host.sh"));
        Assert.Contains("for unit in k8slab-converge.service k8slab-converge.timer k8slab-snapshot.service k8slab-snapshot.timer; do", setup);
        Assert.Contains("systemctl enable --now k8slab-converge.timer k8slab-snapshot.timer\n", setup);
    }

    [Fact]
    public void The_archive_is_deterministic_and_its_hash_follows_its_content()
    {
        var again = ControlHostProgram.Build();
        Assert.Equal(ControlHostProgram.Archive, again);
        Assert.Equal(ControlHostProgram.Sha256, Convert.ToHexStringLower(SHA256.HashData(again)));
        Assert.All(Entries(again), e =>
        {
            Assert.Equal(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero), e.Entry.ModificationTime);
            Assert.Equal((0, 0), (e.Entry.Uid, e.Entry.Gid));
        });
        var changed = ControlHostProgram.Files.Select(f => f.Path == "k8slab_converge/planner.py" ? (f.Path, f.Text + "\n# changed\n") : f).ToList();
        Assert.NotEqual(ControlHostProgram.Archive, ControlHostProgram.Build(changed));
    }

    [Fact]
    public void A_new_program_is_a_new_bastion_document_and_nothing_else_is()
    {
        var renderer = new BootstrapRenderer();
        var now = renderer.RenderBastion(Documents.Bastion());
        var same = new BootstrapRenderer().RenderBastion(Documents.Bastion());
        var other = renderer.RenderBastion(Documents.Bastion() with { Program = Documents.Program with { Sha256 = new string('0', 64) } });
        Assert.Equal(now.Fingerprint, same.Fingerprint);
        Assert.NotEqual(now.Fingerprint, other.Fingerprint);
        Assert.NotEqual(K8sLab.Instances.BootstrappedInstance.UserDataHash(now.Text), K8sLab.Instances.BootstrappedInstance.UserDataHash(other.Text));
    }

    [Fact]
    public void The_unpacked_archive_runs_as_the_bastion_lays_it_out()
    {
        var dir = Directory.CreateTempSubdirectory("k8slab-program-").FullName;
        try
        {
            var archive = Path.Combine(dir, "program.tar");
            File.WriteAllBytes(archive, ControlHostProgram.Archive);
            var lib = Directory.CreateDirectory(Path.Combine(dir, "lib")).FullName;
            var untar = Tool.Run("tar", new[] { "-xf", archive, "-C", lib, "--no-same-owner" });
            Assert.True(untar.ExitCode == 0, untar.Output);
            // The package finds its contract and playbooks beside it, as in the repository.
            var run = Tool.Run("python3", new[] { "-c",
                "import k8slab_converge.main, k8slab_converge.execute as e; from k8slab_converge import contract; " +
                "print(contract.kubespray().tag, contract.tag('node'), e.Settings({'LAB_ENVIRONMENT': 'x', 'AWS_REGION': 'x', 'CONVERGE_PARAMETER': 'x', " +
                "'KUBESPRAY_VERSION': 'x', 'KUBESPRAY_DIR': 'x', 'ANSIBLE_VENV': 'x', 'STATE_DIR': 'x', 'LOG_DIR': 'x'}).playbooks)" },
                lib, new Dictionary<string, string> { ["PYTHONPATH"] = lib, ["PYTHONDONTWRITEBYTECODE"] = "1" });
            Assert.True(run.ExitCode == 0, run.Output);
            Assert.Equal($"{ControlHostVersions.Kubespray} {K8sLab.Contract.LabFacts.Tags.Node} {Path.Combine(lib, "playbooks")}", run.StdOut.Trim());
            Assert.True(File.Exists(Path.Combine(lib, "playbooks", "kubeconfig.yml")));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}

/// <summary>The asset in a synthesized lab: what the bastion is told, what it may read, and when.</summary>
[Collection("cdk")]
[Trait("Uses", "jsii")]
public class ProgramAssetStackTests
{
    [Fact]
    public void The_bastion_is_told_the_staged_archives_key_and_hash_and_may_read_that_object_only()
    {
        var outdir = Directory.CreateTempSubdirectory("k8slab-asset-").FullName;
        try
        {
            Synth.LabInto(outdir, EnvironmentFiles.Load(Repo.EnvironmentsFolder, "dev"));
            var assets = JsonNode.Parse(File.ReadAllText(Path.Combine(outdir, "K8sLab-dev-Bastion.assets.json")))!["files"]!.AsObject();
            var (hash, asset) = assets.Single(a => a.Value!["source"]!["path"]!.GetValue<string>().EndsWith(".tar", StringComparison.Ordinal));
            var staged = File.ReadAllBytes(Path.Combine(outdir, asset!["source"]!["path"]!.GetValue<string>()));
            var destination = asset["destinations"]!.AsObject().Single().Value!;
            var key = destination["objectKey"]!.GetValue<string>();

            var template = JsonNode.Parse(File.ReadAllText(Path.Combine(outdir, "K8sLab-dev-Bastion.template.json")))!["Resources"]!.AsObject();
            var userData = template.Single(r => r.Value!["Type"]!.GetValue<string>() == "AWS::EC2::LaunchTemplate")
                .Value!["Properties"]!["LaunchTemplateData"]!["UserData"]!["Fn::Base64"]!.GetValue<string>();
            Assert.Contains($"PROGRAM_SHA256={Convert.ToHexStringLower(SHA256.HashData(staged))}\n", userData);
            Assert.Equal(ControlHostProgram.Archive, staged);
            Assert.Contains($"PROGRAM_KEY={key}\n", userData);
            Assert.Contains($"PROGRAM_BUCKET={destination["bucketName"]!.GetValue<string>().Replace("${AWS::AccountId}", "{account}")}\n", userData);

            var policies = template.Where(r => r.Value!["Type"]!.GetValue<string>() == "AWS::IAM::Policy").ToList();
            var (policyId, policy) = Assert.Single(policies);
            var statement = Assert.Single(policy!["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray())!;
            Assert.Equal("s3:GetObject", statement["Action"]!.GetValue<string>());
            var resource = statement["Resource"]!.ToJsonString();
            Assert.EndsWith($"/{key}\"]]}}", resource);
            Assert.Contains("\"Fn::ImportValue\":\"K8sLab-dev-Security:ExportsOutputRefBastionRole", policy["Properties"]!["Roles"]!.ToJsonString());
            // The installer's first read comes after the permission exists.
            var instance = template.Single(r => r.Value!["Type"]!.GetValue<string>() == "AWS::EC2::Instance").Value!;
            Assert.Contains(policyId, instance["DependsOn"]!.AsArray().Select(d => d!.GetValue<string>()));
            // No other role of the lab reads anything of S3; the bastion's own role only the snapshot bucket (Security stack).
            foreach (var file in Directory.GetFiles(outdir, "*.template.json").Where(f => !f.EndsWith("K8sLab-dev-Bastion.template.json", StringComparison.Ordinal)
                                                                                       && !f.EndsWith("K8sLab-dev-Security.template.json", StringComparison.Ordinal)))
                Assert.DoesNotContain("\"s3:", File.ReadAllText(file));
            var security = JsonNode.Parse(File.ReadAllText(Path.Combine(outdir, "K8sLab-dev-Security.template.json")))!["Resources"]!.AsObject();
            var bucket = Assert.Single(security, r => r.Value!["Type"]!.GetValue<string>() == "AWS::S3::Bucket").Key;
            foreach (var (id, rolePolicy) in security.Where(r => r.Value!["Type"]!.GetValue<string>() == "AWS::IAM::Policy"))
                foreach (var s3 in rolePolicy!["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray().Where(st => st!["Action"]!.ToJsonString().Contains("\"s3:")))
                {
                    Assert.StartsWith("BastionRole", id);
                    Assert.Contains($"\"Fn::GetAtt\":[\"{bucket}\",\"Arn\"]", s3!["Resource"]!.ToJsonString());
                }
            Assert.NotEmpty(hash);
        }
        finally { Directory.Delete(outdir, recursive: true); }
    }
}
