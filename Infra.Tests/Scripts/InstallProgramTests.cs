using System.Formats.Tar;
using System.Security.Cryptography;
using K8sLab.Bootstrap;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Scripts;

/// <summary>
/// The bastion's installer (Bootstrap/Scripts/install-program.sh, its whole user data but settings)
/// against moto's S3 on loopback, with the real AWS CLI, tar and sha256sum. A stand-in answers only
/// for the instance metadata (IMDSv2: a token, then the identity document with the account), and the
/// archive's setup script is a stub that records that it ran: the installer's job ends there.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[Trait("Uses", "moto")]
public sealed class InstallProgramTests(MotoServer moto) : IClassFixture<MotoServer>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("k8slab-install-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] Archive(string marker) => ControlHostProgram.Build(new[]
    {
        ("bin/setup-control-host.sh", $"#!/bin/bash\necho \"setup ran from $(dirname \"$0\")\" > \"$SETUP_MARKER\"\n"),
        ("k8slab_converge/__init__.py", $"# {marker}\n"),
    });

    // A bucket of this test's own: the emulator is shared by the class.
    private readonly string _bucketTemplate = $"k8slab-{Guid.NewGuid().ToString("N")[..8]}-assets-{{account}}-eu-west-1";
    private string Bucket => _bucketTemplate.Replace("{account}", MotoServer.Account);

    private ToolResult Install(byte[] uploaded, string sha256, string key = "program.tar")
    {
        moto.Aws("s3api", "create-bucket", "--bucket", Bucket, "--create-bucket-configuration", "LocationConstraint=eu-west-1");
        var upload = Path.Combine(_dir, "upload.tar");
        File.WriteAllBytes(upload, uploaded);
        moto.Aws("s3", "cp", upload, $"s3://{Bucket}/program.tar");

        // The AWS CLI the installer would have put in its venv: this machine's.
        var venv = Directory.CreateDirectory(Path.Combine(_dir, "awscli", "bin")).FullName;
        File.CreateSymbolicLink(Path.Combine(venv, "aws"), Tool.Locate("aws"));
        var env = Path.Combine(_dir, "control-host.env");
        File.WriteAllText(env, string.Join("\n",
            "AWS_REGION=eu-west-1", $"AWSCLI_VENV={Path.Combine(_dir, "awscli")}", "AWSCLI_VERSION=0.0.0",
            $"LIBRARY_DIR={Path.Combine(_dir, "lib")}", $"PROGRAM_BUCKET={_bucketTemplate}", $"PROGRAM_KEY={key}",
            $"PROGRAM_SHA256={sha256}", "AWS_RETRY_MODE=standard", "AWS_MAX_ATTEMPTS=2") + "\n");
        // IMDSv2 as EC2 answers it: a token for a PUT, the identity document for a GET that carries it.
        var imds = new FakeBin(Path.Combine(_dir, "fakebin")).Add("curl", $$"""
            case "$*" in
              *"-X PUT http://imds.test/api/token"*) echo token-example ;;
              *"X-aws-ec2-metadata-token: token-example"*"http://imds.test/dynamic/instance-identity/document"*)
                echo '{"accountId": "{{MotoServer.Account}}", "region": "eu-west-1"}' ;;
              *) echo "curl stand-in: not an IMDS call: $*" >&2; exit 22 ;;
            esac
            """);
        var environment = imds.Environment(new Dictionary<string, string>(moto.ClientEnvironment)
        {
            ["K8SLAB_ENV"] = env, ["IMDS_URL"] = "http://imds.test", ["PROGRAM_ATTEMPTS"] = "2", ["PROGRAM_PAUSE"] = "0",
            ["SETUP_MARKER"] = Path.Combine(_dir, "setup-ran"),
            // The script's mktemp, left behind where it stops on a failure (as on the bastion, which is replaced): here, inside the test's folder.
            ["TMPDIR"] = Directory.CreateDirectory(Path.Combine(_dir, "tmp")).FullName,
        });
        return Tool.Run("bash", new[] { Repo.PathOf("Infra", "Bootstrap", "Scripts", "install-program.sh") }, _dir, environment);
    }

    [Fact]
    public void Installs_the_archive_whose_hash_it_was_given_and_hands_over_to_its_setup()
    {
        var archive = Archive("one");
        var result = Install(archive, Convert.ToHexStringLower(SHA256.HashData(archive)));
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal("# one\n", File.ReadAllText(Path.Combine(_dir, "lib", "k8slab_converge", "__init__.py")));
        Assert.Equal($"setup ran from {Path.Combine(_dir, "lib", "bin")}\n", File.ReadAllText(Path.Combine(_dir, "setup-ran")));
    }

    [Fact]
    public void Refuses_an_archive_that_is_not_the_one_the_user_data_names_and_runs_none_of_it()
    {
        var expected = Convert.ToHexStringLower(SHA256.HashData(Archive("one")));
        var result = Install(Archive("tampered"), expected);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("FAILED", result.Output); // sha256sum's verdict
        Assert.False(File.Exists(Path.Combine(_dir, "setup-ran")));
        Assert.False(Directory.Exists(Path.Combine(_dir, "lib", "k8slab_converge")));
    }

    [Fact]
    public void A_missing_object_fails_naming_where_it_looked()
    {
        var archive = Archive("one");
        var result = Install(archive, Convert.ToHexStringLower(SHA256.HashData(archive)), key: "absent.tar");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"could not read s3://{Bucket}/absent.tar after 2 attempts", result.Output);
        Assert.False(File.Exists(Path.Combine(_dir, "setup-ran")));
    }
}
