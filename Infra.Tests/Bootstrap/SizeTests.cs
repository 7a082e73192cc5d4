using K8sLab.Bootstrap;

namespace K8sLab.Tests.Bootstrap;

/// <summary>User data budgets: EC2's hard 16 KB, and the lab's own budgets to stay far from it.</summary>
public class SizeTests
{
    [Theory]
    [InlineData("control-plane", 4 * 1024)]
    [InlineData("worker", 4 * 1024)]
    [InlineData("nat-instance", 4 * 1024)]
    [InlineData("bastion", 12 * 1024)]
    public void Every_document_stays_within_its_budget(string name, int budget)
    {
        var bytes = Documents.All[name].Bytes;
        Assert.True(bytes <= budget, $"{name}: {bytes} bytes, budget {budget}");
        Assert.True(bytes <= UserDataDocument.Ec2LimitBytes);
    }
}
