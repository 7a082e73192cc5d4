using K8sLab.Configuration;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Scripts;

/// <summary>
/// scripts/pin-image.sh against a stand-in AWS CLI, on a copy of a real environment file (or of
/// <paramref name="yaml"/>), read through the app the tests built (<see cref="LabApp"/>).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class PinImageTests
{
    private static (ToolResult Result, string Folder, FakeBin Aws) Pin(string environment, string amiAnswer, string copy = "dev", string? yaml = null)
    {
        var folder = Scratch.Folder("pin-");
        Directory.CreateDirectory(Path.Combine(folder, "scripts"));
        Directory.CreateDirectory(Path.Combine(folder, "environments"));
        File.Copy(Repo.PathOf("scripts", "pin-image.sh"), Path.Combine(folder, "scripts", "pin-image.sh"));
        File.Copy(Repo.PathOf("scripts", "lab-config.sh"), Path.Combine(folder, "scripts", "lab-config.sh"));
        File.WriteAllText(Path.Combine(folder, "environments", copy + ".yaml"), yaml ?? File.ReadAllText(Repo.PathOf("environments", copy + ".yaml")));
        var aws = new FakeBin().Add("aws", $$"""
            case "$*" in
              *get-parameter*) echo {{amiAnswer}} ;;
              *describe-images*) echo example-ubuntu-noble-24.04-amd64-server ;;
            esac
            """);
        var result = Tool.Run("bash", new[] { "scripts/pin-image.sh", environment }, folder, aws.Environment(new() { ["K8SLAB_APP"] = LabApp.Command }));
        return (result, folder, aws);
    }

    [Fact]
    public void Without_the_aws_cli_one_line_naming_what_to_install_and_the_file_untouched()
    {
        var (_, folder, _) = Pin("dev", Environments.ExampleAmi);
        var file = Path.Combine(folder, "environments", "dev.yaml");
        File.WriteAllText(file, File.ReadAllText(Repo.PathOf("environments", "dev.yaml")));
        var bare = new FakeBin();
        var result = Tool.Run("bash", new[] { "scripts/pin-image.sh", "dev" }, folder, bare.Environment(new() { ["PATH"] = bare.PathWithout("aws"), ["K8SLAB_APP"] = LabApp.Command }));
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("pin-image: the AWS CLI (aws) is not installed: install AWS CLI version 2", result.StdErr);
        Assert.Equal(File.ReadAllText(Repo.PathOf("environments", "dev.yaml")), File.ReadAllText(file));
    }

    [Fact]
    public void Pinning_writes_the_current_image_into_the_environment_file_and_nothing_else()
    {
        var (result, folder, aws) = Pin("dev", Environments.ExampleAmi);
        Assert.True(result.ExitCode == 0, result.Output);

        var config = EnvironmentFiles.Load(Path.Combine(folder, "environments"), "dev");
        Assert.Equal(Environments.ExampleAmi, config.MachineImage.AmiId);
        Assert.Equal("example-ubuntu-noble-24.04-amd64-server", config.MachineImage.Name);
        Assert.Contains(aws.Calls, c => c.Contains("ssm get-parameter --region eu-west-1 --name /aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id"));

        var before = File.ReadAllLines(Repo.PathOf("environments", "dev.yaml")).Where(l => !l.TrimStart().StartsWith("amiId:"));
        var after = File.ReadAllLines(Path.Combine(folder, "environments", "dev.yaml")).Where(l => !l.TrimStart().StartsWith("amiId:") && !l.TrimStart().StartsWith("name:"));
        Assert.Equal(before, after);
    }

    [Fact]
    public void An_arm64_environment_is_pinned_to_canonicals_arm64_image()
    {
        var (result, folder, aws) = Pin("spot", Environments.ExampleAmi, copy: "spot");
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains(aws.Calls, c => c.Contains("ssm get-parameter --region us-east-1 --name /aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id"));
        var config = EnvironmentFiles.Load(Path.Combine(folder, "environments"), "spot");
        Assert.Equal(Environments.ExampleAmi, config.MachineImage.AmiId);
        Assert.Equal(Architectures.Arm, config.MachineImage.Architecture);
    }

    [Fact]
    public void A_strange_answer_leaves_the_file_alone()
    {
        var (result, folder, _) = Pin("dev", "None");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("unexpected answer", result.StdErr);
        Assert.Equal(File.ReadAllText(Repo.PathOf("environments", "dev.yaml")), File.ReadAllText(Path.Combine(folder, "environments", "dev.yaml")));
    }

    [Theory]
    [MemberData(nameof(LabApp.UsEast1), MemberType = typeof(LabApp))]
    public void The_region_is_the_one_the_synth_reads_however_the_file_writes_it(string region)
    {
        var yaml = LabApp.DevWithRegion(region);
        var (result, folder, aws) = Pin("dev", Environments.ExampleAmi, yaml: yaml);
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains(aws.Calls, c => c.StartsWith("aws ssm get-parameter --region us-east-1 --name /aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/", StringComparison.Ordinal));
        Assert.Contains(aws.Calls, c => c.StartsWith($"aws ec2 describe-images --region us-east-1 --image-ids {Environments.ExampleAmi} ", StringComparison.Ordinal));
        var config = EnvironmentFiles.Load(Path.Combine(folder, "environments"), "dev");
        Assert.Equal(("us-east-1", Environments.ExampleAmi), (config.Region, config.MachineImage.AmiId));
        // The region's own lines stay as they were written.
        Assert.Contains(region + "\n", File.ReadAllText(Path.Combine(folder, "environments", "dev.yaml")));
    }

    [Fact]
    public void A_file_the_synth_refuses_is_refused_with_its_error_before_any_aws_call()
    {
        var yaml = File.ReadAllText(Repo.PathOf("environments", "dev.yaml")).Replace("  amiId:\n", "  amiId: ubuntu-latest\n");
        var (result, folder, aws) = Pin("dev", Environments.ExampleAmi, yaml: yaml);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("pin-image: environments/dev.yaml: machineImage.amiId: 'ubuntu-latest' is not an AMI ID (ami- and 8 or 17 hex digits); empty it (amiId:) and run scripts/pin-image.sh, which writes one\n", result.StdErr);
        Assert.Empty(aws.Calls);
        Assert.Equal(yaml, File.ReadAllText(Path.Combine(folder, "environments", "dev.yaml")));
    }

    [Fact]
    public void An_unknown_environment_is_named()
    {
        var (result, _, _) = Pin("staging", Environments.ExampleAmi);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no environments/staging.yaml", result.StdErr);
    }

    [Theory]
    [InlineData("scripts/pin-image.sh")]
    [InlineData("scripts/lab.sh")]
    [InlineData("scripts/kubeconfig.sh")]
    [InlineData("scripts/lab-config.sh")]
    [InlineData("scripts/test.sh")]
    [InlineData(".ci/run")]
    public void Repository_scripts_pass_shellcheck(string script)
    {
        var result = Tool.Run("shellcheck", new[] { Repo.PathOf(script.Split('/')) });
        Assert.True(result.ExitCode == 0, result.Output);
    }
}
