using System.Reflection;
using Xunit.Abstractions;

[assembly: TestCollectionOrderer("K8sLab.Tests.Support.LongestFirst", "Infra.Tests")]

namespace K8sLab.Tests.Support;

/// <summary>
/// A test class (or collection definition) whose tests run for minutes, one after another: processes
/// against moto, the preview's syntheses, the CDK collection's. <see cref="LongestFirst"/> starts these
/// first, the longest first: <paramref name="minutes"/> is about how long it runs in a whole run
/// (scripts/test-times.py --spans), rounded.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RunsForMinutesAttribute(int minutes) : Attribute
{
    // Below 1 it would sort with the quick classes, silently.
    public int Minutes { get; } = minutes >= 1 ? minutes : throw new ArgumentOutOfRangeException(nameof(minutes), minutes, "a class that runs for minutes runs for at least 1");
}

/// <summary>
/// The order in which xunit starts the test collections (up to 4 at once, xunit.runner.json): the ones
/// that run for minutes first, the longest of them first, the quick ones after, so that the quick ones
/// fill the cores at the end instead of a long class running on alone (it did: a scenario class
/// started last, at 393 s of 513, and ran 2 minutes with the machine half idle; and the CDK collection,
/// 3 minutes of tests one after another, started at 110 s and ended the run alone, at 305 s).
/// </summary>
public sealed class LongestFirst : ITestCollectionOrderer
{
    private const string PerClass = "Test collection for ";

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderByDescending(Minutes).ThenBy(c => c.DisplayName, StringComparer.Ordinal);

    /// <summary>The collection's <see cref="RunsForMinutesAttribute.Minutes"/>; 0 for a quick one.</summary>
    public static int Minutes(ITestCollection collection)
    {
        var type = (collection.CollectionDefinition as IReflectionTypeInfo)?.Type
            ?? (collection.DisplayName.StartsWith(PerClass, StringComparison.Ordinal)
                ? typeof(LongestFirst).Assembly.GetType(collection.DisplayName[PerClass.Length..])
                : null);
        return type?.GetCustomAttribute<RunsForMinutesAttribute>()?.Minutes ?? 0;
    }
}
