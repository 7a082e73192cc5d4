using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using K8sLab.Security;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Stacks;

/// <summary>The snapshot bucket's construct on its own: its props are checked where it is made, naming the property.</summary>
[Collection(CdkCollection.Name)]
[Trait("Uses", "jsii")]
public class EtcdSnapshotBucketTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(366)]
    public void Days_outside_what_the_file_allows_are_refused_naming_the_property(int days)
    {
        var stack = new Stack(new App(), "Test");
        var role = new Role(stack, "Role", new RoleProps { AssumedBy = new ServicePrincipal("ec2.amazonaws.com") });
        var error = Assert.Throws<ArgumentException>(() => new EtcdSnapshotBucket(stack, "SnapshotBucket", new EtcdSnapshotBucketProps { KeepDays = days, Writer = role }));
        Assert.StartsWith($"EtcdSnapshotBucketProps.KeepDays: {days} is not a whole number of days from 1 to 365", error.Message);
    }
}
