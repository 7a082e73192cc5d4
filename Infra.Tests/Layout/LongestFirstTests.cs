using System.Reflection;
using K8sLab.Tests.Support;
using Moq;
using Xunit.Abstractions;

namespace K8sLab.Tests.Layout;

/// <summary>The classes that run for minutes start first (<see cref="LongestFirst"/>), the longest of them first.</summary>
public class LongestFirstTests
{
    // Classes of this test's own, so that re-rating a real class does not change what it holds.
    [RunsForMinutes(1)]
    private sealed class OneMinute;

    [RunsForMinutes(2)]
    private sealed class TwoMinutesA;

    [RunsForMinutes(2)]
    private sealed class TwoMinutesB;

    [RunsForMinutes(3)]
    private sealed class ThreeMinutes;

    private static ITestCollection PerClass(Type type) =>
        Mock.Of<ITestCollection>(c => c.DisplayName == $"Test collection for {type.FullName}" && c.CollectionDefinition == null);

    private static ITestCollection Defined(Type definition, string name) =>
        Mock.Of<ITestCollection>(c => c.DisplayName == name && c.CollectionDefinition == Mock.Of<IReflectionTypeInfo>(t => t.Type == definition));

    [Fact]
    public void The_long_classes_come_first_the_longest_of_them_first_and_the_quick_ones_after()
    {
        var quick = PerClass(typeof(LongestFirstTests));
        var one = PerClass(typeof(OneMinute));
        var twoA = PerClass(typeof(TwoMinutesA));
        var twoB = PerClass(typeof(TwoMinutesB));
        var three = Defined(typeof(ThreeMinutes), "three");
        // Given in no useful order: the orderer, not the input, puts B after A.
        var ordered = new LongestFirst().OrderTestCollections(new[] { quick, twoB, one, twoA, three }).ToList();
        Assert.Equal(new[] { three, twoA, twoB, one, quick }, ordered);  // by name among equals
        Assert.Equal(0, LongestFirst.Minutes(quick));
        Assert.Equal(2, LongestFirst.Minutes(twoA));   // a nested class (Outer+Inner) is found by its name
        Assert.Equal(3, LongestFirst.Minutes(three));  // and a collection by its definition
    }

    [Fact]
    public void A_class_that_runs_for_minutes_runs_for_at_least_one()
    {
        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new RunsForMinutesAttribute(0));
        Assert.Equal("minutes", refused.ParamName);
        // The cdk collection's tests run one after another, beside everything else: the run's longest chain.
        var rated = typeof(LongestFirst).Assembly.GetTypes().Select(t => t.GetCustomAttribute<RunsForMinutesAttribute>()?.Minutes ?? 0);
        Assert.Equal(rated.Max(), LongestFirst.Minutes(Defined(typeof(CdkCollection), CdkCollection.Name)));
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
