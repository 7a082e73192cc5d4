namespace K8sLab.Preview;

/// <summary>
/// <c>K8sLab.Preview BEFORE AFTER</c>: compares two synthesized apps (cdk.out folders) and prints what
/// a deploy of AFTER over BEFORE adds, removes, replaces and updates, and what the convergence does.
/// scripts/preview.sh synthesizes both. Exit status: 0 a preview, 1 none could be made, 2 usage,
/// <see cref="Refused"/> (3) a preview of a deploy the convergence would refuse.
/// </summary>
public static class PreviewCommand
{
    /// <summary>The exit status of a preview whose deploy the convergence would refuse (the deploy fails and rolls back).</summary>
    public const int Refused = 3;

    public static int Main(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: K8sLab.Preview BEFORE_CDK_OUT AFTER_CDK_OUT");
            return 2;
        }
        try
        {
            var (before, after) = (CloudAssembly.Read(args[0]), CloudAssembly.Read(args[1]));
            var types = before.Values.Concat(after.Values).SelectMany(s => s.Resources.Select(r => ResourceJson.TypeOf(r.Value)));
            var result = TemplateDiff.Compare(before, after, CfnLintSchemas.Load(types));
            Console.WriteLine(PreviewReport.Format(result));
            return result.Refused ? Refused : 0;
        }
        catch (PreviewException e)
        {
            Console.Error.WriteLine($"preview: {e.Message}");
            return 1;
        }
    }
}
