using System.Security.Cryptography;
using System.Text;

namespace K8sLab.Bootstrap;

/// <summary>
/// A rendered user-data document and its fingerprint. The fingerprint is the SHA-256 of exactly the
/// text EC2 receives, so "same fingerprint" means "same bootstrap" and a changed one means the
/// instance is replaced (CDK appends a hash of the same text to the instance's logical ID).
/// </summary>
public sealed record UserDataDocument(string Text)
{
    /// <summary>EC2 refuses user data over 16 KB (before base64).</summary>
    public const int Ec2LimitBytes = 16 * 1024;

    /// <summary>
    /// The lab's own budget: half of EC2's limit, as plain text. What would not fit (the convergence
    /// program) ships as an asset instead, so no document is ever compressed or minified to fit.
    /// </summary>
    public const int BudgetBytes = 8 * 1024;

    public int Bytes => Encoding.UTF8.GetByteCount(Text);

    public string Fingerprint => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Text)));

    /// <summary>The first 12 hex digits: enough to tell documents apart in a summary or an output.</summary>
    public string ShortFingerprint => Fingerprint[..12];
}
