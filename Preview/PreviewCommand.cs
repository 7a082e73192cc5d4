namespace K8sLab.Preview;

/// <summary>
/// <c>K8sLab.Preview BEFORE AFTER</c>: compares two synthesized apps (cdk.out folders) and prints what
/// a deploy of AFTER over BEFORE adds, removes, replaces and updates. scripts/preview.sh synthesizes both.
/// </summary>
public static class PreviewCommand
{
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
            Console.WriteLine(PreviewReport.Format(TemplateDiff.Compare(before, after, CfnLintSchemas.Load(types))));
            return 0;
        }
        catch (PreviewException e)
        {
            Console.Error.WriteLine($"preview: {e.Message}");
            return 1;
        }
    }
}
