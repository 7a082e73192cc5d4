using Amazon.CDK;
using K8sLab.Preview;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Preview;

/// <summary>
/// The oracle for tags is CloudFormation's own resource schemas: adding a tag must change no logical
/// ID and no create-only property (directly, or at deploy time through a launch template's version
/// or an export), so that a deploy updates tags in place and replaces nothing.
/// </summary>
[Collection(CdkCollection.Name)]
public class TagOracleTests
{
    private static void NothingButUpdates(PreviewHarness.Outcome outcome)
    {
        Assert.True(outcome.NotInPlace.Count == 0, $"a tag must replace, add or remove nothing:\n{string.Join("\n", outcome.NotInPlace)}\n\n{outcome.Report}");
        // And the tag did reach the template: otherwise the test proves nothing.
        Assert.Contains(outcome.Result.All, c => c.Change.Reasons.Any(r => r.What == "Tags"));
    }

    [Fact]
    public void An_app_level_tag_changes_no_logical_id_and_no_create_only_property()
    {
        var after = LabPreviewTests.Lab((app, _) => Tags.Of(app).Add("team", "x"));
        NothingButUpdates(PreviewHarness.Compare(LabPreviewTests.Baseline.Value, after));
    }

    [Fact]
    public void A_tag_in_the_environment_file_changes_no_logical_id_and_no_create_only_property()
    {
        var after = Synth.Lab(Environments.With("test", ("workers:", "tags:\n  team: platform\nworkers:")));
        NothingButUpdates(PreviewHarness.Compare(LabPreviewTests.Baseline.Value, after));
    }
}
