using System.Runtime.CompilerServices;

namespace K8sLab.Tests.Support;

/// <summary>
/// The CDK CLI (scripts/preview.sh runs it) hands each command's telemetry to a detached Node.js process
/// that posts it to AWS after the command, and so after the test, has ended. The tests need no network and
/// leave no process behind, so the CLI in any of them sends none (aws-cdk 2.1148: CDK_DISABLE_CLI_TELEMETRY).
/// A user's own runs are theirs to decide: scripts/preview.sh leaves the setting alone.
/// </summary>
internal static class NoCliTelemetry
{
    [ModuleInitializer]
    internal static void TurnOff() => Environment.SetEnvironmentVariable("CDK_DISABLE_CLI_TELEMETRY", "true");
}
