namespace K8sLab.Tests.Support;

/// <summary>
/// Temporary folders for the tests that cannot easily delete their own (a fake executable's folder, a
/// document handed to a validator, a copy of a script): all under one folder of the run's, deleted when the
/// test host exits. Before, a run left about 90 folders in the temporary folder.
/// </summary>
public static class Scratch
{
    private static int _count;

    private static readonly Lazy<string> Root = new(() =>
    {
        var root = Directory.CreateTempSubdirectory("k8slab-tests-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            // A throw here would turn a finished run into a crashed test host; a folder left behind is the lesser harm.
            try { Directory.Delete(root, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        };
        return root;
    });

    /// <summary>A new, empty folder named <paramref name="prefix"/> and a number.</summary>
    public static string Folder(string prefix) =>
        Directory.CreateDirectory(Path.Combine(Root.Value, prefix + Interlocked.Increment(ref _count))).FullName;
}
