namespace K8sLab.Configuration;

public sealed record InstanceTypeSpec(string Name, int VCpus, int MemoryMiB, string Architecture)
{
    /// <summary>
    /// What the kernel reports as MemTotal, which is what kubespray's memory assertions read:
    /// firmware and kernel keep roughly a tenth (a t3.micro's 1024 MiB shows as about 950).
    /// </summary>
    public int UsableMemoryMiB => MemoryMiB * 9 / 10;
}

/// <summary>
/// The EC2 instance types the lab accepts, as data: x86_64 and Graviton (arm64). Which of them an
/// environment may use follows from its image's architecture (<see cref="Architectures"/>).
/// </summary>
public static class InstanceTypes
{
    // size -> vCPUs; memory follows from the family's GiB per vCPU (t-families have their own ladder).
    private static readonly (string Size, int VCpus)[] Ladder =
        { ("large", 2), ("xlarge", 4), ("2xlarge", 8), ("4xlarge", 16) };

    private static readonly (string Size, int VCpus, double GiB)[] Burstable =
    {
        ("nano", 2, 0.5), ("micro", 2, 1), ("small", 2, 2), ("medium", 2, 4),
        ("large", 2, 8), ("xlarge", 4, 16), ("2xlarge", 8, 32),
    };

    private static readonly (string Family, double GiBPerVCpu, string Architecture)[] Families =
    {
        ("m5", 4, "x86_64"), ("m5a", 4, "x86_64"), ("m6i", 4, "x86_64"), ("m6a", 4, "x86_64"), ("m7i", 4, "x86_64"), ("m7a", 4, "x86_64"),
        ("c5", 2, "x86_64"), ("c5a", 2, "x86_64"), ("c6i", 2, "x86_64"), ("c6a", 2, "x86_64"), ("c7i", 2, "x86_64"),
        ("r5", 8, "x86_64"), ("r6i", 8, "x86_64"), ("r7i", 8, "x86_64"),
        ("m6g", 4, "arm64"), ("m7g", 4, "arm64"), ("m8g", 4, "arm64"), ("c6g", 2, "arm64"), ("c7g", 2, "arm64"), ("c8g", 2, "arm64"),
        ("r6g", 8, "arm64"), ("r7g", 8, "arm64"),
    };

    // t2's small sizes have a single vCPU.
    private static readonly (string Size, int VCpus, double GiB)[] BurstableT2 =
    {
        ("nano", 1, 0.5), ("micro", 1, 1), ("small", 1, 2), ("medium", 2, 4),
        ("large", 2, 8), ("xlarge", 4, 16), ("2xlarge", 8, 32),
    };

    private static readonly (string Family, string Architecture)[] BurstableFamilies =
        { ("t3", "x86_64"), ("t3a", "x86_64"), ("t4g", "arm64") };

    public static readonly IReadOnlyDictionary<string, InstanceTypeSpec> All =
        BurstableFamilies.Select(f => (f.Family, f.Architecture, Sizes: Burstable))
            .Append((Family: "t2", Architecture: "x86_64", Sizes: BurstableT2))
            .SelectMany(f => f.Sizes.Select(s =>
                new InstanceTypeSpec($"{f.Family}.{s.Size}", s.VCpus, (int)(s.GiB * 1024), f.Architecture)))
            .Concat(Families.SelectMany(f => (f.Architecture == "arm64" ? Ladder.Prepend((Size: "medium", VCpus: 1)) : Ladder).Select(s =>
                new InstanceTypeSpec($"{f.Family}.{s.Size}", s.VCpus, (int)(s.VCpus * f.GiBPerVCpu * 1024), f.Architecture))))
            .ToDictionary(t => t.Name);

    public static string KnownFamilies => string.Join(", ", BurstableFamilies.Select(f => f.Family).Append("t2").Concat(Families.Select(f => f.Family)));
}
