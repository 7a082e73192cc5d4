using System.Text.Json;

namespace K8sLab.Summary;

/// <summary>
/// CloudFormation's per-template quotas, checked on the synthesized files, so that a lab too large
/// for one stack fails at synth with the setting to change instead of at deploy.
/// </summary>
public static class TemplateLimits
{
    public const int MaxResources = K8sLab.Configuration.ScaleLimits.StackMaxResources;
    public const int MaxOutputs = 200;
    public const int MaxBytes = 1024 * 1024;

    /// <summary>Every stack of <paramref name="assembly"/>, as <see cref="Check(string, string, string)"/> does one.</summary>
    public static IReadOnlyList<string> Check(Amazon.CDK.CXAPI.CloudAssembly assembly, string environmentFile) =>
        assembly.Stacks.SelectMany(s => Check(s.StackName, Path.Combine(assembly.Directory, s.TemplateFile), environmentFile)).ToList();

    /// <returns>One problem per exceeded quota, naming the stack, the quota and what to change.</returns>
    public static IEnumerable<string> Check(string stackName, string templateFile, string environmentFile)
    {
        var bytes = new FileInfo(templateFile).Length;
        using var document = JsonDocument.Parse(File.ReadAllText(templateFile));
        var root = document.RootElement;
        int Count(string section) => root.TryGetProperty(section, out var s) ? s.EnumerateObject().Count() : 0;

        var fix = $"lower workers.count in {environmentFile}";
        if (bytes > MaxBytes)
            yield return $"{stackName}: the template is {bytes:N0} bytes; CloudFormation takes at most {MaxBytes:N0} (1 MB): {fix}";
        if (Count("Resources") > MaxResources)
            yield return $"{stackName}: {Count("Resources")} resources; CloudFormation takes at most {MaxResources} per stack: {fix}";
        if (Count("Outputs") > MaxOutputs)
            yield return $"{stackName}: {Count("Outputs")} outputs; CloudFormation takes at most {MaxOutputs} per stack: {fix}";
    }
}
