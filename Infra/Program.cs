using System.Diagnostics;
using Amazon.CDK;
using K8sLab;
using K8sLab.Bootstrap;
using K8sLab.Configuration;
using K8sLab.Images;
using K8sLab.Jsii;
using K8sLab.Summary;

// Wiring only: read the environment file, build its stacks, synthesize, summarize; or, with
// --print-config ENV, print what the scripts need of the file as JSON, starting no jsii.
var started = Stopwatch.StartNew();
// CDK's own NAT instance provider calls a deprecated prop internally; the user can do nothing about
// it, so jsii (started below, inheriting this environment) keeps that notice out of their output.
System.Environment.SetEnvironmentVariable("JSII_DEPRECATED", "quiet");
try
{
    if (args.Length > 0)
    {
        if (args is not ["--print-config", var name])
        {
            Console.Error.WriteLine("usage: K8sLab --print-config ENVIRONMENT   (without arguments it synthesizes, as npx cdk runs it)");
            return 2;
        }
        var folder = EnvironmentFiles.FindFolder(Directory.GetCurrentDirectory());
        Console.WriteLine(PrintedConfig.Render(EnvironmentFiles.Load(folder, name), EnvironmentFiles.FileOf(folder, name)));
        return 0;
    }
    var environment = CdkContext.Environment(System.Environment.GetEnvironmentVariable("CDK_CONTEXT_JSON"));
    var config = EnvironmentFiles.Load(EnvironmentFiles.FindFolder(Directory.GetCurrentDirectory()), environment);
    // Starting jsii takes seconds; render the documents on the other core meanwhile (pure C#).
    var bootstrap = new BootstrapRenderer();
    var warm = Task.Run(() => bootstrap.Warm(config));
    using var jsii = new JsiiRuntime();   // disposed after the summary: it deletes jsii's 66 MB of extracted packages
    var app = new App();
    warm.Wait();
    var lab = Lab.Create(app, config, bootstrap, new PinnedImageSource(config.MachineImage, config.Environment));
    var assembly = app.Synth();
    var tooLarge = TemplateLimits.Check(assembly, config.SourceFile);
    if (tooLarge.Count > 0) throw new ConfigException(tooLarge);
    Console.WriteLine(SynthSummary.Format(config, lab.Stacks.Select(s => s.StackName).ToList(), lab.Images.Describe(), lab.Instances,
        started.Elapsed, Path.GetRelativePath(Directory.GetCurrentDirectory(), assembly.Directory)));
    return 0;
}
catch (ConfigException e)
{
    // A bad environment file is the user's to fix: say what and where, without a stack trace.
    foreach (var problem in e.Problems) Console.Error.WriteLine($"error: {problem}");
    return 1;
}
