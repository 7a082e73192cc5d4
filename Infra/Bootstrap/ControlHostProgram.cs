using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;

namespace K8sLab.Bootstrap;

/// <summary>Where the bastion finds the program: the asset's bucket (with "{account}" for the
/// deploying account), its object key, and the archive's SHA-256, which the bastion checks.</summary>
public sealed record ProgramLocation(string Bucket, string Key, string Sha256);

/// <summary>
/// The bastion's convergence program as the deploy ships it: the converge/ folder of the repository
/// (the k8slab_converge package, its playbooks, systemd units, setup scripts and the contract files),
/// without its tests, as one tar archive. Built from the files embedded in the app, so a synth never
/// depends on the working directory; deterministic (sorted entries, fixed times and owners, no
/// compression), so the same program is the same archive, the same SHA-256 and the same bastion.
/// Pure: no CDK (the Bastion stack makes it an asset).
/// </summary>
public static class ControlHostProgram
{
    /// <summary>The prefix of the embedded files that make the archive (Infra.csproj).</summary>
    public const string ResourcePrefix = "converge/";

    private static readonly DateTimeOffset Epoch = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The archive's entries: path inside the archive, and content.</summary>
    public static IReadOnlyList<(string Path, string Text)> Files => _files.Value;
    private static readonly Lazy<IReadOnlyList<(string, string)>> _files = new(() =>
        EmbeddedFiles.Under(ResourcePrefix).Select(f => (f.Name[ResourcePrefix.Length..], f.Text)).ToList());

    public static byte[] Archive => _archive.Value;
    private static readonly Lazy<byte[]> _archive = new(Build);

    /// <summary>Builds the archive anew (<see cref="Archive"/> is built once per process).</summary>
    public static byte[] Build() => Build(Files);

    public static string Sha256 => _sha.Value;
    private static readonly Lazy<string> _sha = new(() => Convert.ToHexStringLower(SHA256.HashData(Archive)));

    /// <summary>Writes the archive to a file named by its hash under <paramref name="folder"/> (once) and returns its path.</summary>
    public static string WriteTo(string folder)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"k8slab-program-{Sha256}.tar");
        if (!File.Exists(path))
        {
            var partial = path + "." + Environment.ProcessId;
            File.WriteAllBytes(partial, Archive);
            File.Move(partial, path, overwrite: true);
        }
        return path;
    }

    /// <summary>A tar of <paramref name="files"/> as the bastion unpacks it: folders first, files in ordinal order, scripts of bin/ executable.</summary>
    public static byte[] Build(IReadOnlyList<(string Path, string Text)> files)
    {
        using var buffer = new MemoryStream();
        using (var tar = new TarWriter(buffer, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var folder in files.SelectMany(f => Folders(f.Path)).Distinct().Order(StringComparer.Ordinal))
                tar.WriteEntry(Entry(TarEntryType.Directory, folder + "/", null, Mode(0b111_101_101)));
            foreach (var (path, text) in files.OrderBy(f => f.Path, StringComparer.Ordinal))
                tar.WriteEntry(Entry(TarEntryType.RegularFile, path, Encoding.UTF8.GetBytes(text),
                    Mode(path.StartsWith("bin/", StringComparison.Ordinal) ? 0b111_101_101 : 0b110_100_100)));
        }
        return buffer.ToArray();
    }

    private static IEnumerable<string> Folders(string path)
    {
        for (var slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1))
            yield return path[..slash];
    }

    private static UnixFileMode Mode(int bits) => (UnixFileMode)bits;

    private static UstarTarEntry Entry(TarEntryType type, string name, byte[]? data, UnixFileMode mode)
    {
        var entry = new UstarTarEntry(type, name) { ModificationTime = Epoch, Mode = mode, Uid = 0, Gid = 0 };
        if (data is not null) entry.DataStream = new MemoryStream(data);
        return entry;
    }
}
