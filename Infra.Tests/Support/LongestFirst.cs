using System.Reflection;
using Xunit.Abstractions;

[assembly: TestCollectionOrderer("K8sLab.Tests.Support.LongestFirst", "Infra.Tests")]

namespace K8sLab.Tests.Support;

/// <summary>
/// A test class (or collection definition) whose tests run for minutes, one after another: processes
/// against moto, the preview's syntheses, the CDK collection's. <see cref="LongestFirst"/> starts these first.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RunsForMinutesAttribute : Attribute;

/// <summary>
/// The order in which xunit starts the test collections (up to 4 at once, xunit.runner.json): the ones
/// that run for minutes first, the quick ones after, so that the quick ones fill the cores at the end
/// instead of a long class running on alone (it did: a scenario class started last, at 393 s of 513,
/// and ran 2 minutes with the machine half idle).
/// </summary>
public sealed class LongestFirst : ITestCollectionOrderer
{
    private const string PerClass = "Test collection for ";

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(c => RunsForMinutes(c) ? 0 : 1).ThenBy(c => c.DisplayName, StringComparer.Ordinal);

    public static bool RunsForMinutes(ITestCollection collection)
    {
        var type = (collection.CollectionDefinition as IReflectionTypeInfo)?.Type
            ?? (collection.DisplayName.StartsWith(PerClass, StringComparison.Ordinal)
                ? typeof(LongestFirst).Assembly.GetType(collection.DisplayName[PerClass.Length..])
                : null);
        return type?.GetCustomAttribute<RunsForMinutesAttribute>() is not null;
    }
}
