using K8sLab.Nodes;

namespace K8sLab.Tests.Stacks;

public class NodeNamesTests
{
    [Theory]
    [InlineData("bastion", "bastion")]
    [InlineData("cp-1", "cp-1")]
    [InlineData("worker-1 worker-2 worker-3", "worker-1..3")]
    [InlineData("worker-3 worker-1 worker-2 worker-7 worker-9 worker-10", "worker-1..3,7,9..10")]
    [InlineData("cp-1 worker-1 worker-2", "cp-1 worker-1..2")]
    public void Names_are_folded_into_ranges(string names, string compact) =>
        Assert.Equal(compact, NodeNames.Compact(names.Split(' ')));
}
