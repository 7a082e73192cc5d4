using K8sLab.Bootstrap;

namespace K8sLab.Tests.Bootstrap;

/// <summary>User data budgets: EC2's hard 16 KB, and the lab's own budgets to stay far from it.</summary>
public class SizeTests
{
    [Theory]
    [InlineData("control-plane", 4 * 1024)]
    [InlineData("worker", 4 * 1024)]
    [InlineData("nat-instance", 4 * 1024)]
    // gzipped: it carries the convergence program (42 KB of Python without comments). 15 KB leaves
    // 1 KB of EC2's 16 KB; the next growth should move the program out of user data (an asset).
    [InlineData("bastion", 15 * 1024)]
    public void Every_document_stays_within_its_budget(string name, int budget)
    {
        var bytes = Documents.All[name].Ec2Bytes;
        Assert.True(bytes <= budget, $"{name}: {bytes} bytes, budget {budget}");
        Assert.True(bytes <= UserDataDocument.Ec2LimitBytes);
    }

    [Fact]
    public void Only_the_bastions_document_is_gzipped_and_it_unpacks_to_its_text()
    {
        Assert.Equal(new[] { "bastion" }, Documents.All.Where(d => d.Value.Gzip).Select(d => d.Key));
        var bastion = Documents.All["bastion"];
        using var gzip = new System.IO.Compression.GZipStream(new MemoryStream(bastion.Ec2Payload), System.IO.Compression.CompressionMode.Decompress);
        Assert.Equal(bastion.Text, new StreamReader(gzip).ReadToEnd());
    }
}
