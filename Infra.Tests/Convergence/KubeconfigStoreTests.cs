using K8sLab.Tests.Support;

namespace K8sLab.Tests.Convergence;

/// <summary>
/// The compact admin kubeconfig the bastion stores in SSM (Python's unittest, no AWS): every
/// credential kept byte for byte, kubeadm-shaped RSA-2048 credentials made by openssl within SSM's
/// Standard tier, and a failed store a note rather than a failed deploy. The put itself runs against
/// moto in <see cref="ConvergenceScenarioTests"/>.
/// </summary>
public class KubeconfigStoreTests
{
    [Fact]
    public void The_compact_kubeconfig_keeps_the_credentials_and_fits_the_standard_tier()
    {
        var result = Python.Run(new[] { "-m", "unittest", "-v", "test_kubeconfig" });
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("Ran 5 tests", result.StdErr);
    }
}
