using K8sLab.Preview;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Preview;

/// <summary>The create-only table as cfn-lint's CloudFormation schemas give it.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class CfnLintSchemasTests
{
    [Fact]
    public void The_schemas_name_the_traps_create_only_properties_and_no_type_they_do_not_know()
    {
        var table = CfnLintSchemas.Load(new[] { "AWS::EC2::Instance", "AWS::EC2::KeyPair", "AWS::CloudFormation::WaitCondition", "AWS::K8sLab::Nothing" });
        Assert.Contains("/properties/ImageId", table.For("AWS::EC2::Instance"));
        Assert.Contains("/properties/LaunchTemplate", table.For("AWS::EC2::Instance"));
        Assert.Contains("/properties/Tags", table.For("AWS::EC2::KeyPair"));
        Assert.True(table.Knows("AWS::CloudFormation::WaitCondition"));
        Assert.Empty(table.For("AWS::CloudFormation::WaitCondition"));
        Assert.False(table.Knows("AWS::K8sLab::Nothing"));
    }

    [Fact]
    public void Without_cfn_lint_the_error_names_it()
    {
        // A Python without site-packages: cfnlint cannot be imported.
        var bin = new FakeBin().Add("python-without-cfnlint", "exec python3 -S \"$@\"");
        var e = Assert.Throws<PreviewException>(() => CfnLintSchemas.Load(new[] { "AWS::EC2::Instance" }, Path.Combine(bin.Folder, "python-without-cfnlint")));
        Assert.StartsWith(CfnLintSchemas.Missing, e.Message);
        Assert.Contains("No module named 'cfnlint'", e.Message);

        var none = Assert.Throws<PreviewException>(() => CfnLintSchemas.Load(new[] { "AWS::EC2::Instance" }, "/nonexistent/python3"));
        Assert.StartsWith(CfnLintSchemas.Missing, none.Message);
    }
}
