using K8sLab.Bootstrap;

namespace K8sLab.Tests.Bootstrap;

/// <summary>User data budgets: EC2's hard 16 KB, and the lab's own 8 KB of plain text for every document.</summary>
public class SizeTests
{
    [Theory]
    [MemberData(nameof(Documents.Names), MemberType = typeof(Documents))]
    public void Every_document_is_plain_cloud_config_within_8_KB(string name)
    {
        var document = Documents.All[name];
        Assert.StartsWith("#cloud-config\n", document.Text);
        Assert.True(document.Bytes <= UserDataDocument.BudgetBytes, $"{name}: {document.Bytes} bytes, budget {UserDataDocument.BudgetBytes}");
    }
}
