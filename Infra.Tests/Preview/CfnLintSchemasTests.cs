using K8sLab.Preview;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Preview;

/// <summary>The create-only table as cfn-lint's CloudFormation schemas give it.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class CfnLintSchemasTests
{
    /// <summary>
    /// The schemas hold the create-only properties, but not all that CloudFormation's documentation
    /// says: they list nothing for a wait condition, which cannot be updated at all, nor an instance's
    /// BlockDeviceMappings, whose change replaces it. The documented table adds those.
    /// </summary>
    [Fact]
    public void The_schemas_name_the_traps_create_only_properties_and_the_documented_table_adds_what_they_omit()
    {
        var table = CfnLintSchemas.Load(new[] { "AWS::EC2::Instance", "AWS::EC2::KeyPair", "AWS::CloudFormation::WaitCondition", "AWS::K8sLab::Nothing" });
        Assert.Contains("/properties/ImageId", table.For("AWS::EC2::Instance"));
        Assert.Contains("/properties/LaunchTemplate", table.For("AWS::EC2::Instance"));
        Assert.Contains("/properties/Tags", table.For("AWS::EC2::KeyPair"));
        Assert.False(table.Knows("AWS::K8sLab::Nothing"));

        Assert.Empty(table.For("AWS::CloudFormation::WaitCondition"));
        Assert.Contains("AWS::CloudFormation::WaitCondition", DocumentedUpdates.NotUpdatable);
        Assert.DoesNotContain("/properties/BlockDeviceMappings", table.For("AWS::EC2::Instance"));
        Assert.Contains(DocumentedUpdates.Replacements, r => (r.Type, r.Pointer) == ("AWS::EC2::Instance", "/properties/BlockDeviceMappings"));
        // Nothing in the table that the schemas already say: it holds only what they omit.
        Assert.All(DocumentedUpdates.Replacements, r => Assert.DoesNotContain(r.Pointer, table.For(r.Type)));
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
