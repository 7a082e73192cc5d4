using K8sLab.Tests.Convergence;
using K8sLab.Tests.Scripts;
using K8sLab.Tests.Support;
using Moq;
using Xunit.Abstractions;

namespace K8sLab.Tests.Layout;

/// <summary>The classes that run for minutes start first (<see cref="LongestFirst"/>), the CDK collection among them.</summary>
public class LongestFirstTests
{
    private static ITestCollection PerClass(Type type) =>
        Mock.Of<ITestCollection>(c => c.DisplayName == $"Test collection for {type.FullName}" && c.CollectionDefinition == null);

    private static ITestCollection Defined(Type definition, string name) =>
        Mock.Of<ITestCollection>(c => c.DisplayName == name && c.CollectionDefinition == Mock.Of<IReflectionTypeInfo>(t => t.Type == definition));

    [Fact]
    public void The_long_classes_come_first_the_longest_of_them_first_and_the_quick_ones_after()
    {
        var quick = PerClass(typeof(LongestFirstTests));
        var share = PerClass(typeof(ConvergenceScenarioTests.Third));     // 1 minute
        var scenarios = PerClass(typeof(ConvergenceScenarioTests.Second)); // 2
        var script = PerClass(typeof(LabScriptTests));                      // 2
        var cdk = Defined(typeof(CdkCollection), CdkCollection.Name);       // 3
        var ordered = new LongestFirst().OrderTestCollections(new[] { quick, share, scenarios, script, cdk }).ToList();
        Assert.Equal(new[] { cdk, scenarios, script, share, quick }, ordered);  // by name among equals
        Assert.Equal(0, LongestFirst.Minutes(quick));
        Assert.Equal(2, LongestFirst.Minutes(scenarios));   // a nested class (Outer+Inner) is found by its name
        Assert.Equal(3, LongestFirst.Minutes(cdk));         // and a collection by its definition
    }

    [Fact]
    public void Xunit_is_told_to_use_the_orderer()
    {
        // A misspelt type or assembly in the attribute would leave xunit's default order, silently.
        var attribute = typeof(LongestFirst).Assembly.GetCustomAttributesData()
            .Single(a => a.AttributeType == typeof(TestCollectionOrdererAttribute));
        Assert.Equal(new object?[] { typeof(LongestFirst).FullName, typeof(LongestFirst).Assembly.GetName().Name },
            attribute.ConstructorArguments.Select(a => a.Value));
    }
}
