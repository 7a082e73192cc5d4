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

    public int Bytes => Encoding.UTF8.GetByteCount(Text);

    /// <summary>
    /// EC2 gets the document gzipped (cloud-init unpacks gzip user data): for the bastion, whose
    /// document carries the convergence program. The fingerprint and the replacement hash stay those
    /// of <see cref="Text"/>; the bytes depend on .NET's compressor, so a runtime that compresses
    /// differently gives the launch template new data and replaces that instance (the bastion,
    /// which adopts the cluster).
    /// </summary>
    public bool Gzip { get; init; }

    /// <summary>What EC2 receives (before base64): the text, or the gzipped text.</summary>
    public byte[] Ec2Payload => Gzip ? Compress(Text) : Encoding.UTF8.GetBytes(Text);

    /// <summary>The size EC2's 16 KB limit applies to.</summary>
    public int Ec2Bytes => Ec2Payload.Length;

    private static byte[] Compress(string text)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
            gzip.Write(Encoding.UTF8.GetBytes(text));
        return buffer.ToArray();
    }

    public string Fingerprint => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Text)));

    /// <summary>The first 12 hex digits: enough to tell documents apart in a summary or an output.</summary>
    public string ShortFingerprint => Fingerprint[..12];
}
