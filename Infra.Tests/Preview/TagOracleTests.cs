using Amazon.CDK;
using K8sLab.Preview;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Preview;

/// <summary>
/// The oracle for tags is CloudFormation's own resource schemas: adding a tag must change no logical
/// ID and no create-only property (directly, or at deploy time through a launch template's version
/// or an export), so that a deploy updates tags in place and replaces nothing. A tag that becomes a
/// stack tag is copied by CloudFormation onto the key pair too, outside the templates: the preview
/// must warn about that.
/// </summary>
[Collection(CdkCollection.Name)]
[Trait("Uses", "jsii")]
public class TagOracleTests
{
    private static void NothingButUpdates(PreviewHarness.Outcome outcome)
    {
        Assert.True(outcome.NotInPlace.Count == 0, $"a tag must replace, add or remove nothing:\n{string.Join("\n", outcome.NotInPlace)}\n\n{outcome.Report}");
        // And the tag did reach the template: otherwise the test proves nothing.
        Assert.Contains(outcome.Result.All, c => c.Change.Reasons.Any(r => r.What == "Tags"));
    }

    [Fact]
    public void An_app_level_tag_changes_no_template_property_but_the_preview_warns_that_the_stack_tag_reaches_the_key_pair()
    {
        var after = LabPreviewTests.Lab((app, _) => Tags.Of(app).Add("team", "x"));
        var outcome = PreviewHarness.Compare(LabPreviewTests.Baseline.Value, after);
        NothingButUpdates(outcome);

        var key = Assert.Single(after.Resources("AWS::EC2::KeyPair"));
        var warning = Assert.Single(outcome.Result[key.Stack].Warnings);
        Assert.Equal($"stack tag team=x added: CloudFormation copies stack tags onto the stack's resources, and {key.LogicalId} (AWS::EC2::KeyPair) "
            + "takes tags only at creation under a fixed name (KeyName): the update would fail "
            + "(as CloudFormation's resource schemas have it, Tags create-only; not observed on AWS)", warning);
        Assert.Contains($"\n  warning: {warning}", outcome.Report);
        // The other stacks hold no such resource: their stack tag stays a note.
        Assert.Contains("stack tag team=x added", outcome.Result["K8sLab-test-Nodes"].Notes);
        Assert.Empty(outcome.Result["K8sLab-test-Nodes"].Warnings);
    }

    [Fact]
    public void A_tag_in_the_environment_file_changes_no_logical_id_and_no_create_only_property_and_warns_of_nothing()
    {
        var after = Synth.Lab(Environments.With("test", ("workers:", "tags:\n  team: platform\nworkers:")));
        var outcome = PreviewHarness.Compare(LabPreviewTests.Baseline.Value, after);
        NothingButUpdates(outcome);
        // The file's tags are kept off the stacks, so none reaches the key pair at deploy time.
        Assert.All(outcome.Result.Stacks, s => Assert.Empty(s.Warnings));
        Assert.DoesNotContain("stack tag", outcome.Report);
    }
}
