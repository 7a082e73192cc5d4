using K8sLab.Configuration;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Configuration;

/// <summary>docs/configuration.md's key table is what the reader checks, generated from it.</summary>
public class ConfigurationReferenceTests
{
    [Fact]
    public void The_key_table_is_generated_from_the_reader() =>
        GeneratedSection.AssertCurrent("docs/configuration.md", ConfigurationReference.Begin, ConfigurationReference.End, ConfigurationReference.Markdown());

    [Fact]
    public void Every_key_the_reader_knows_is_in_the_table_with_its_default()
    {
        var keys = ConfigurationReference.Keys().ToDictionary(k => k.Key);
        // One of each kind of read: required, text with a default, number, choice, switch, list, mapping, nested section.
        Assert.Equal(KeyReference.Required, keys["region"].Default);
        Assert.Equal("10.0.0.0/16", keys["network.vpcCidr"].Default);
        Assert.Equal(("1", "an odd number from 1 to 7"), (keys["controlPlane.count"].Default, keys["controlPlane.count"].Allowed));
        Assert.Equal(("gateway", "one of gateway, instance"), (keys["network.natProvider"].Default, keys["network.natProvider"].Allowed));
        Assert.Equal("false", keys["kubernetes.addons.metricsServer"].Default);
        Assert.StartsWith("a list of", keys["network.availabilityZones"].Allowed);
        Assert.StartsWith("a mapping of", keys["workers.generations"].Allowed);
        Assert.Equal("10.233.64.0/18", keys["kubernetes.podCidr"].Default);
        Assert.Contains("at least 2 vCPU and 1500 MB usable", keys["controlPlane.instanceType"].Allowed);
        // The table's top-level keys are the reader's, in the file's order.
        Assert.Equal(EnvironmentFiles.TopLevelKeys, keys.Keys.Select(k => k.Split('.')[0]).Distinct());
    }
}
