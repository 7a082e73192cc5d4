using K8sLab.Configuration;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Configuration;

/// <summary>The region list the environment files are checked against is CDK's own, as this CDK version ships it.</summary>
[Collection(CdkCollection.Name)]
[Trait("Uses", "jsii")]
public class RegionListTests
{
    [Fact]
    public void The_known_regions_are_exactly_cdks_region_list()
    {
        var cdk = Amazon.CDK.RegionInfo.RegionInfo.Regions.Select(r => r.Name).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(cdk, Regions.Known.Order(StringComparer.Ordinal).ToList());
    }
}
