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
    public void The_long_classes_come_first_and_the_quick_ones_after()
    {
        var quick = PerClass(typeof(LongestFirstTests));
        var scenarios = PerClass(typeof(ConvergenceScenarioTests.Second));
        var script = PerClass(typeof(LabScriptTests));
        var cdk = Defined(typeof(CdkCollection), CdkCollection.Name);
        var ordered = new LongestFirst().OrderTestCollections(new[] { quick, scenarios, script, cdk }).ToList();
        Assert.Equal(new[] { scenarios, script, cdk, quick }, ordered);  // by name within each group
        Assert.False(LongestFirst.RunsForMinutes(quick));
        Assert.True(LongestFirst.RunsForMinutes(scenarios), "a nested class (Outer+Inner) is found by its name");
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
