using K8sLab.Preview;

namespace K8sLab.Tests.Preview;

/// <summary>The diff engine on small hand-written templates, with a hand-written create-only table: no CDK, no cfn-lint.</summary>
public class TemplateDiffTests
{
    private static readonly CreateOnlyProperties Table = new(new Dictionary<string, IReadOnlyList<string>?>
    {
        ["AWS::EC2::Instance"] = new[] { "/properties/ImageId", "/properties/KeyName", "/properties/LaunchTemplate", "/properties/SubnetId" },
        ["AWS::EC2::LaunchTemplate"] = new[] { "/properties/LaunchTemplateName" },
        ["AWS::EC2::SecurityGroup"] = new[] { "/properties/GroupDescription", "/properties/VpcId" },
        ["AWS::EC2::KeyPair"] = new[] { "/properties/KeyName", "/properties/Tags" },
        ["AWS::SSM::Parameter"] = new[] { "/properties/Name" },
        ["AWS::CloudFormation::WaitConditionHandle"] = Array.Empty<string>(),
        ["AWS::CloudFormation::WaitCondition"] = Array.Empty<string>(),
        ["AWS::Test::Nested"] = new[] { "/properties/Config/Type", "/properties/Items/*/Id" },
        ["AWS::Test::Unknown"] = null,
    });

    private const string Aaa = "aaaaaa1111111111111111111111111111111111111111111111111111111111";
    private const string Bbb = "bbbbbb2222222222222222222222222222222222222222222222222222222222";

    private static string Instance(string node, string fingerprint, string template = "Lt", string image = "ami-1", string extra = "") => $$"""
        { "Type": "AWS::EC2::Instance", "Properties": {
            "ImageId": "{{image}}", {{extra}}
            "LaunchTemplate": { "LaunchTemplateId": { "Ref": "{{template}}" }, "Version": { "Fn::GetAtt": ["{{template}}", "LatestVersionNumber"] } },
            "Tags": [ { "Key": "k8slab:node", "Value": "{{node}}" }, { "Key": "k8slab:userdata-sha256", "Value": "{{fingerprint}}" } ] } }
        """;

    private static string LaunchTemplate(string data = "one", string ownTag = "a") => $$"""
        { "Type": "AWS::EC2::LaunchTemplate", "Properties": {
            "LaunchTemplateData": { "UserData": "{{data}}" },
            "TagSpecifications": [ { "ResourceType": "launch-template", "Tags": [ { "Key": "t", "Value": "{{ownTag}}" } ] } ] } }
        """;

    private static string Resources(params (string Id, string Json)[] resources) =>
        $$"""{ "Resources": { {{string.Join(",\n", resources.Select(r => $"\"{r.Id}\": {r.Json}"))}} } }""";

    private static Dictionary<string, StackTemplate> One(string template, IReadOnlyDictionary<string, string>? tags = null) =>
        new() { ["Lab"] = PreviewHarness.Template(template, tags) };

    private static (DiffResult Result, string Report) Diff(IReadOnlyDictionary<string, StackTemplate> before, IReadOnlyDictionary<string, StackTemplate> after)
    {
        var result = TemplateDiff.Compare(before, after, Table);
        return (result, PreviewReport.Format(result));
    }

    private static ResourceChange Of(DiffResult result, string logicalId) => result.All.Single(c => c.Change.LogicalId == logicalId).Change;

    [Fact]
    public void Identical_templates_change_nothing()
    {
        var template = Resources(("Lt", LaunchTemplate()), ("worker1", Instance("worker-1", Aaa)));
        var (result, report) = Diff(One(template), One(template));
        Assert.True(result.NothingChanges);
        Assert.Equal("nothing changes", report);
    }

    [Fact]
    public void A_create_only_property_replaces_and_any_other_property_updates_in_place()
    {
        var (result, report) = Diff(
            One(Resources(("Web", """{ "Type": "AWS::EC2::SecurityGroup", "Properties": { "GroupDescription": "web", "SecurityGroupEgress": [] } }"""),
                          ("Db", """{ "Type": "AWS::EC2::SecurityGroup", "Properties": { "GroupDescription": "db", "SecurityGroupEgress": [] } }"""))),
            One(Resources(("Web", """{ "Type": "AWS::EC2::SecurityGroup", "Properties": { "GroupDescription": "web servers", "SecurityGroupEgress": [] } }"""),
                          ("Db", """{ "Type": "AWS::EC2::SecurityGroup", "Properties": { "GroupDescription": "db", "SecurityGroupEgress": [ { "CidrIp": "10.0.0.0/8" } ] } }"""))));
        Assert.Equal((Change.Replaced, "GroupDescription"), (Of(result, "Web").Kind, Assert.Single(Of(result, "Web").Reasons).What));
        Assert.Equal((Change.Updated, "SecurityGroupEgress"), (Of(result, "Db").Kind, Assert.Single(Of(result, "Db").Reasons).What));
        Assert.Equal("""
            Lab
              replaced: Web (AWS::EC2::SecurityGroup; GroupDescription)
              updated: Db (AWS::EC2::SecurityGroup; SecurityGroupEgress)
            """, report);
    }

    [Fact]
    public void Instances_are_followed_across_a_new_logical_id_by_their_node_tag_and_grouped_by_fingerprints()
    {
        var (result, report) = Diff(
            One(Resources(("LtAaaaaaaa11", LaunchTemplate("one")), ("cp1", Instance("cp-1", Bbb, "Other")), ("Other", LaunchTemplate("cp")),
                ("worker1aaaaaaaa11", Instance("worker-1", Aaa, "LtAaaaaaaa11")), ("worker2aaaaaaaa11", Instance("worker-2", Aaa, "LtAaaaaaaa11")))),
            One(Resources(("LtBbbbbbbb22", LaunchTemplate("two")), ("cp1", Instance("cp-1", Bbb, "Other")), ("Other", LaunchTemplate("cp")),
                ("worker1bbbbbbbb22", Instance("worker-1", Bbb, "LtBbbbbbbb22")), ("worker2bbbbbbbb22", Instance("worker-2", Bbb, "LtBbbbbbbb22")))));
        var worker = Of(result, "worker1bbbbbbbb22");
        Assert.Equal((Change.Replaced, "worker1aaaaaaaa11", "worker-1", Aaa, Bbb),
            (worker.Kind, worker.PreviousLogicalId, worker.Instance!.Node, worker.Instance.FingerprintBefore, worker.Instance.FingerprintAfter));
        Assert.Equal("""
            Lab
              replaced: worker-1..2 (user data aaaaaa → bbbbbb)
              replaced: LtBbbbbbbb22 (AWS::EC2::LaunchTemplate; new logical ID, was LtAaaaaaaa11)
            """, report);
    }

    [Fact]
    public void A_launch_templates_new_data_replaces_its_instances_through_the_version_and_its_own_tags_do_not()
    {
        var before = One(Resources(("Lt", LaunchTemplate("one", "a")), ("worker1", Instance("worker-1", Aaa))));
        var newData = Diff(before, One(Resources(("Lt", LaunchTemplate("two", "a")), ("worker1", Instance("worker-1", Aaa)))));
        var newTag = Diff(before, One(Resources(("Lt", LaunchTemplate("one", "b")), ("worker1", Instance("worker-1", Aaa)))));

        Assert.Equal(Change.Replaced, Of(newData.Result, "worker1").Kind);
        Assert.Equal(new Reason("LaunchTemplate", "Lt is updated: new LatestVersionNumber"), Assert.Single(Of(newData.Result, "worker1").Reasons));
        Assert.Contains("  replaced: worker-1 (LaunchTemplate (Lt is updated: new LatestVersionNumber); user data aaaaaa)", newData.Report);

        Assert.Equal((Change.Updated, "TagSpecifications"), (Of(newTag.Result, "Lt").Kind, Assert.Single(Of(newTag.Result, "Lt").Reasons).What));
        Assert.DoesNotContain(newTag.Result.All, c => c.Change.LogicalId == "worker1");
    }

    [Fact]
    public void A_reference_to_a_replaced_resource_replaces_through_create_only_properties_and_updates_through_others()
    {
        static string Template(string description) => Resources(
            ("Sg", $$"""{ "Type": "AWS::EC2::SecurityGroup", "Properties": { "GroupDescription": "{{description}}", "SecurityGroupEgress": [] } }"""),
            ("Name", """{ "Type": "AWS::SSM::Parameter", "Properties": { "Name": { "Fn::Sub": "/lab/${Sg}" }, "Value": "x" } }"""),
            ("Id", """{ "Type": "AWS::SSM::Parameter", "Properties": { "Name": "/lab/id", "Value": { "Fn::GetAtt": ["Sg", "GroupId"] } } }"""));
        var (result, _) = Diff(One(Template("old")), One(Template("new")));

        Assert.Equal(new Reason("Name", "Sg is replaced"), Assert.Single(Of(result, "Name").Reasons));
        Assert.Equal(Change.Replaced, Of(result, "Name").Kind);
        Assert.Equal((Change.Updated, new Reason("Value", "Sg is replaced")), (Of(result, "Id").Kind, Assert.Single(Of(result, "Id").Reasons)));
    }

    [Fact]
    public void An_attribute_other_than_a_version_survives_an_update()
    {
        static string Template(string egress) => Resources(
            ("Sg", $$"""{ "Type": "AWS::EC2::SecurityGroup", "Properties": { "GroupDescription": "web", "SecurityGroupEgress": [{{egress}}] } }"""),
            ("Id", """{ "Type": "AWS::SSM::Parameter", "Properties": { "Name": { "Fn::Sub": "/lab/${Sg.GroupId}" }, "Value": { "Ref": "Sg" } } }"""));
        var (result, _) = Diff(One(Template("")), One(Template("""{ "CidrIp": "10.0.0.0/8" }""")));
        Assert.Equal("Sg", Assert.Single(result.All).Change.LogicalId);
    }

    [Fact]
    public void An_export_that_changes_replaces_its_importers_and_is_refused_while_imported()
    {
        static Dictionary<string, StackTemplate> Stacks(string keyTag) => new()
        {
            ["Security"] = PreviewHarness.Template($$"""
                { "Resources": { "Key": { "Type": "AWS::EC2::KeyPair", "Properties": { "KeyName": "k", "Tags": [ { "Key": "team", "Value": "{{keyTag}}" } ] } } },
                  "Outputs": { "KeyOut": { "Value": { "Ref": "Key" }, "Export": { "Name": "Security:Key" } } } }
                """),
            ["Nodes"] = PreviewHarness.Template(Resources(("Lt", LaunchTemplate()),
                ("worker1", Instance("worker-1", Aaa, extra: """ "KeyName": { "Fn::ImportValue": "Security:Key" }, """)))),
        };
        var (result, report) = Diff(Stacks("a"), Stacks("b"));

        Assert.Equal(Change.Replaced, result["Security"].Resources.Single().Kind);
        Assert.Equal(new Reason("KeyName", "export Security:Key changes"), Assert.Single(Of(result, "worker1").Reasons));
        Assert.Equal("export Security:Key changes while Nodes imports it: CloudFormation refuses to update Security", Assert.Single(result["Security"].Warnings));
        Assert.Contains("  replaced: worker-1 (KeyName (export Security:Key changes); user data aaaaaa)", report);
    }

    [Fact]
    public void User_data_changed_on_an_instance_that_is_only_updated_is_a_warning()
    {
        var (result, report) = Diff(
            One(Resources(("Lt", LaunchTemplate()), ("worker1", Instance("worker-1", Aaa, extra: """ "UserData": "one", """)))),
            One(Resources(("Lt", LaunchTemplate()), ("worker1", Instance("worker-1", Bbb, extra: """ "UserData": "two", """)))));
        Assert.Equal(Change.Updated, Of(result, "worker1").Kind);
        Assert.Contains("  updated: worker-1 (UserData, Tags; user data aaaaaa → bbbbbb)", report);
        Assert.Contains("  warning: worker-1: the user data changes but the instance is only updated; EC2 runs user data at first boot only, so the new document never runs", report);
    }

    [Fact]
    public void Another_resource_with_a_new_hash_in_its_logical_id_is_a_replacement_unless_that_is_ambiguous()
    {
        const string Handle = """{ "Type": "AWS::CloudFormation::WaitConditionHandle" }""";
        var (result, _) = Diff(
            One(Resources(("Converged1ee72d603a00", Handle), ("SignalA1ee72d603a00", Handle), ("SignalB1ee72d603a00", Handle), ("Spare", Handle))),
            One(Resources(("Converged0d6b1eefd2fd", Handle), ("Signal0d6b1eefd2fd", Handle), ("Signal77777777aaaa", Handle), ("Spare", Handle))));
        Assert.Equal((Change.Replaced, "Converged1ee72d603a00"), (Of(result, "Converged0d6b1eefd2fd").Kind, Of(result, "Converged0d6b1eefd2fd").PreviousLogicalId));
        Assert.Equal(Change.Added, Of(result, "Signal0d6b1eefd2fd").Kind);
        Assert.Equal(Change.Removed, Of(result, "SignalA1ee72d603a00").Kind);
    }

    [Fact]
    public void Nodes_and_stacks_that_come_and_go_are_added_and_removed()
    {
        var before = new Dictionary<string, StackTemplate>
        {
            ["Lab"] = PreviewHarness.Template(Resources(("Lt", LaunchTemplate()), ("worker1", Instance("worker-1", Aaa)), ("worker2", Instance("worker-2", Aaa)))),
            ["Old"] = PreviewHarness.Template(Resources(("Lt", LaunchTemplate()))),
        };
        var after = new Dictionary<string, StackTemplate>
        {
            ["Lab"] = PreviewHarness.Template(Resources(("Lt", LaunchTemplate()), ("worker1", Instance("worker-1", Aaa)), ("worker3", Instance("worker-3", Bbb)), ("worker4", Instance("worker-4", Bbb)))),
            ["New"] = PreviewHarness.Template(Resources(("Lt", LaunchTemplate()))),
        };
        Assert.Equal("""
            Lab
              added: worker-3..4 (user data bbbbbb)
              removed: worker-2 (user data aaaaaa)
            New (new stack)
              added: Lt (AWS::EC2::LaunchTemplate)
            Old (no longer in the app: cdk deploy leaves the deployed stack as it is)
              removed: Lt (AWS::EC2::LaunchTemplate)
            """, Diff(before, after).Report);
    }

    [Fact]
    public void Parameters_outputs_rules_other_sections_and_stack_tags_are_one_line_each()
    {
        var (_, report) = Diff(
            One("""
                { "Description": "one", "Parameters": { "Gone": { "Type": "String" }, "Kept": { "Type": "String" } },
                  "Resources": {}, "Outputs": { "WorkerUserData": { "Value": "worker-1..2=cdfb4a77ca6f" }, "Ssh": { "Value": { "Ref": "A" } } },
                  "Rules": { "R": { "Assertions": [] } } }
                """, new Dictionary<string, string> { ["team"] = "a", ["gone"] = "x" }),
            One("""
                { "Description": "two", "Parameters": { "Kept": { "Type": "Number" }, "New": { "Type": "String" } },
                  "Resources": {}, "Outputs": { "WorkerUserData": { "Value": "worker-1..2=93cdfd000000" }, "Ssh": { "Value": { "Ref": "B" } } } }
                """, new Dictionary<string, string> { ["team"] = "b", ["new"] = "y" }));
        Assert.Equal("""
            Lab
              parameter Kept changed
              parameter New added
              parameter Gone removed
              output WorkerUserData: worker-1..2=cdfb4a77ca6f → worker-1..2=93cdfd000000
              output Ssh changed
              rule R removed
              Description changed
              stack tag team: a → b
              stack tag new=y added
              stack tag gone=x removed
            """, report);
    }

    [Fact]
    public void Nested_create_only_properties_are_followed_through_arrays()
    {
        static string Nested(string type, string id, string other) => Resources(("N", $$"""
            { "Type": "AWS::Test::Nested", "Properties": { "Config": { "Type": "{{type}}", "Size": 1 }, "Items": [ { "Id": "{{id}}", "Other": "{{other}}" } ] } }
            """));
        var same = Nested("a", "1", "x");
        Assert.Equal(new[] { "Items.*.Id" }, Diff(One(same), One(Nested("a", "2", "x"))).Result.All.Single().Change.Reasons.Select(r => r.What));
        Assert.Equal(new[] { "Config.Type" }, Diff(One(same), One(Nested("b", "1", "x"))).Result.All.Single().Change.Reasons.Select(r => r.What));
        Assert.Equal(Change.Updated, Diff(One(same), One(Nested("a", "1", "y"))).Result.All.Single().Change.Kind);
    }

    [Fact]
    public void An_update_of_a_type_the_schemas_do_not_know_is_a_warning()
    {
        var (result, _) = Diff(One(Resources(("U", """{ "Type": "AWS::Test::Unknown", "Properties": { "A": 1 } }"""))),
                               One(Resources(("U", """{ "Type": "AWS::Test::Unknown", "Properties": { "A": 2 } }"""))));
        Assert.Equal("U (AWS::Test::Unknown): cfn-lint has no schema for this type; an update may replace it", Assert.Single(result["Lab"].Warnings));
    }

    [Fact]
    public void A_stack_tag_change_warns_of_each_resource_that_takes_tags_only_at_creation()
    {
        const string Key = """{ "Type": "AWS::EC2::KeyPair", "Properties": { "KeyName": "lab-key", "KeyType": "ed25519" } }""";
        const string Group = """{ "Type": "AWS::EC2::SecurityGroup", "Properties": { "GroupDescription": "web" } }""";
        var template = Resources(("Key", Key), ("Web", Group));
        var (result, report) = Diff(One(template, new Dictionary<string, string> { ["owner"] = "a" }),
                                    One(template, new Dictionary<string, string> { ["owner"] = "a", ["team"] = "x" }));

        Assert.Empty(result.All);
        Assert.Equal("""
            Lab
              warning: stack tag team=x added: CloudFormation copies stack tags onto the stack's resources, and Key (AWS::EC2::KeyPair) takes tags only at creation under a fixed name (KeyName): the update would fail (as CloudFormation's resource schemas have it, Tags create-only; not observed on AWS)
            """, report);
        // Without such a resource, the stack tag is a note.
        Assert.Equal("stack tag team=x added", Assert.Single(Diff(One(Resources(("Web", Group))), One(Resources(("Web", Group)), new Dictionary<string, string> { ["team"] = "x" })).Result["Lab"].Notes));
    }

    [Fact]
    public void A_documented_replacement_the_schema_omits_replaces_the_instance_except_for_what_changes_in_place()
    {
        static string Volume(int size, bool delete) => Resources(("Lt", LaunchTemplate()), ("worker1", Instance("worker-1", Aaa, extra: $$"""
            "BlockDeviceMappings": [ { "DeviceName": "/dev/sda1", "Ebs": { "VolumeSize": {{size}}, "DeleteOnTermination": {{(delete ? "true" : "false")}} } } ],
            """)));
        var bigger = Diff(One(Volume(8, true)), One(Volume(30, true)));
        Assert.Equal((Change.Replaced, "BlockDeviceMappings"), (Of(bigger.Result, "worker1").Kind, Assert.Single(Of(bigger.Result, "worker1").Reasons).What));
        Assert.Contains("  replaced: worker-1 (BlockDeviceMappings; user data aaaaaa)", bigger.Report);

        var kept = Diff(One(Volume(8, true)), One(Volume(8, false)));
        Assert.Equal((Change.Updated, "BlockDeviceMappings"), (Of(kept.Result, "worker1").Kind, Assert.Single(Of(kept.Result, "worker1").Reasons).What));
    }

    [Fact]
    public void A_property_change_on_an_existing_wait_condition_is_a_warning_that_the_update_fails()
    {
        static string Wait(string id, string timeout) => Resources(("Signal", """{ "Type": "AWS::CloudFormation::WaitConditionHandle" }"""),
            (id, $$"""{ "Type": "AWS::CloudFormation::WaitCondition", "Properties": { "Handle": { "Ref": "Signal" }, "Timeout": "{{timeout}}" } }"""));
        var (result, report) = Diff(One(Wait("Converged1ee72d603a00", "1800")), One(Wait("Converged1ee72d603a00", "3600")));

        Assert.Empty(result.All);
        Assert.Equal("""
            Lab
              warning: Converged1ee72d603a00 (AWS::CloudFormation::WaitCondition): Timeout changes, but CloudFormation does not support updates of this type (its documentation): the update would fail; only a new logical ID makes a new one
            """, report);
        // Under a new logical ID it is a new wait condition, as the lab makes one for every convergence.
        var renewed = Diff(One(Wait("Converged1ee72d603a00", "1800")), One(Wait("Converged0d6b1eefd2fd", "3600"))).Result;
        Assert.Equal(Change.Replaced, Of(renewed, "Converged0d6b1eefd2fd").Kind);
        Assert.Empty(renewed["Lab"].Warnings);
    }

    [Fact]
    public void An_instance_stopped_and_started_by_its_update_gets_a_new_public_address()
    {
        static string Web(string type, bool monitoring) => Resources(
            ("Web", $$"""{ "Type": "AWS::EC2::Instance", "Properties": { "ImageId": "ami-1", "InstanceType": "{{type}}", "Monitoring": {{(monitoring ? "true" : "false")}} } }"""),
            ("Address", """{ "Type": "AWS::SSM::Parameter", "Properties": { "Name": "/lab/address", "Value": { "Fn::GetAtt": ["Web", "PublicIp"] } } }"""),
            ("Private", """{ "Type": "AWS::SSM::Parameter", "Properties": { "Name": "/lab/private", "Value": { "Fn::GetAtt": ["Web", "PrivateIp"] } } }"""));

        var (resized, _) = Diff(One(Web("t3.small", false)), One(Web("t3.medium", false)));
        Assert.Equal((Change.Updated, new Reason("Value", "Web is stopped and started for its InstanceType: new PublicIp")),
            (Of(resized, "Address").Kind, Assert.Single(Of(resized, "Address").Reasons)));
        Assert.DoesNotContain(resized.All, c => c.Change.LogicalId == "Private");

        var (monitored, _) = Diff(One(Web("t3.small", false)), One(Web("t3.small", true)));
        Assert.Equal("Web", Assert.Single(monitored.All).Change.LogicalId);
    }

    [Fact]
    public void A_change_only_in_metadata_is_its_own_line_and_not_an_update()
    {
        static string WithMetadata(string reason) => Resources(
            ("Lt", LaunchTemplate()),
            ("worker1", Instance("worker-1", Aaa).TrimEnd().TrimEnd('}') + $$""", "Metadata": { "cdk_nag": { "reason": "{{reason}}" } } }"""),
            ("worker2", Instance("worker-2", Aaa).TrimEnd().TrimEnd('}') + $$""", "Metadata": { "cdk_nag": { "reason": "{{reason}}" } } }"""),
            ("Web", $$"""{ "Type": "AWS::EC2::SecurityGroup", "Properties": { "GroupDescription": "web" }, "Metadata": { "cdk_nag": "{{reason}}" } }"""));
        var (result, report) = Diff(One(WithMetadata("old")), One(WithMetadata("new")));

        Assert.All(result.All, c => Assert.Equal(Change.MetadataOnly, c.Change.Kind));
        Assert.Equal("""
            Lab
              metadata only: worker-1..2, Web
            """, report);
    }
}
