using Amazon.JSII.Runtime.Services;

namespace K8sLab.Jsii;

/// <summary>
/// jsii's runtime (the Node.js process that runs the construct library) for one run, and its files with it.
/// jsii writes its own JavaScript and every construct package it loads (66 MB for aws-cdk-lib 2.160.0 and
/// its bundled assets) into new folders under the temporary path, and deletes them only when its service
/// provider is disposed (Amazon.JSII.Runtime 1.103.1: Services/ResourceExtractor.cs). The provider jsii
/// makes for itself is never disposed, so every synthesis would leave those folders behind. Start this
/// before the first construct and dispose it after the last call into CDK.
/// </summary>
public sealed class JsiiRuntime : IDisposable
{
    private readonly IDisposable _services;

    /// <summary>Starts Node.js and makes this runtime the one every construct uses.</summary>
    public JsiiRuntime()
    {
        var services = ServiceContainer.BuildServiceProvider();
        ServiceContainer.ServiceProviderOverride = services;
        _services = services;
    }

    /// <summary>Ends Node.js (as jsii does at exit: it asks, then waits) and deletes the extracted folders.</summary>
    public void Dispose()
    {
        ServiceContainer.ServiceProviderOverride = null;
        _services.Dispose();
    }
}
