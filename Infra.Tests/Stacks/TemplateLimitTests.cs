using K8sLab.Summary;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Stacks;

public class TemplateLimitTests
{
    private static string Template(int resources, int outputs, int padding = 0)
    {
        var r = string.Join(",", Enumerable.Range(0, resources).Select(i => $"\"R{i}\":{{\"Type\":\"AWS::SNS::Topic\"}}"));
        var o = string.Join(",", Enumerable.Range(0, outputs).Select(i => $"\"O{i}\":{{\"Value\":\"x\"}}"));
        var path = Path.Combine(Scratch.Folder("limits-"), "t.json");
        File.WriteAllText(path, $"{{\"Description\":\"{new string('x', padding)}\",\"Resources\":{{{r}}},\"Outputs\":{{{o}}}}}");
        return path;
    }

    [Fact]
    public void A_template_within_the_quotas_passes()
    {
        Assert.Empty(TemplateLimits.Check("S", Template(500, 200), "environments/x.yaml"));
    }

    [Fact]
    public void Each_exceeded_quota_is_named_with_the_setting_to_change()
    {
        var problems = TemplateLimits.Check("K8sLab-x-Nodes", Template(501, 201, padding: 1024 * 1024), "environments/x.yaml").ToList();
        Assert.Equal(3, problems.Count);
        Assert.StartsWith("K8sLab-x-Nodes: the template is 1,0", problems[0]);
        Assert.Contains("CloudFormation takes at most 1,048,576 (1 MB): lower workers.count in environments/x.yaml", problems[0]);
        Assert.Equal("K8sLab-x-Nodes: 501 resources; CloudFormation takes at most 500 per stack: lower workers.count in environments/x.yaml", problems[1]);
        Assert.Contains("201 outputs", problems[2]);
    }
}
