using K8sLab.Configuration;

namespace K8sLab.Tests.Support;

/// <summary>Environment files for tests, built from a valid one with a few lines changed.</summary>
public static class Environments
{
    /// <summary>AWS's documentation example ID: obviously not a real image.</summary>
    public const string ExampleAmi = "ami-0123456789abcdef0";

    /// <summary>
    /// A valid file. admin.cidr is in 198.18.0.0/15 (RFC 2544, for benchmarks, routed nowhere): not a
    /// documentation range, which the synth warns about and a deploy refuses (the shipped files hold one).
    /// </summary>
    public const string Valid = """
        region: eu-west-1
        network:
          vpcCidr: 10.20.0.0/16
          natGateways: 1
        admin:
          cidr: 198.18.0.10/32
        machineImage:
          amiId: ami-0123456789abcdef0
          name: example-image
        bastion:
          instanceType: t3.small
        controlPlane:
          count: 1
          instanceType: t3.medium
        workers:
          count: 2
          instanceType: t3.medium
        """;

    public static LabConfig Parse(string yaml, string environment = "test") =>
        EnvironmentFiles.Parse($"environments/{environment}.yaml", environment, yaml);

    /// <summary>The valid file with <paramref name="replace"/>'s lines swapped in (matched by their text before the colon).</summary>
    public static LabConfig With(string environment = "test", params (string Line, string Replacement)[] replace)
    {
        var yaml = Valid;
        foreach (var (line, replacement) in replace)
        {
            if (!yaml.Contains(line)) throw new ArgumentException($"'{line}' is not in the example file");
            yaml = yaml.Replace(line, replacement);
        }
        return Parse(yaml, environment);
    }

    public static ConfigException Problems(string yaml) =>
        Assert.Throws<ConfigException>(() => Parse(yaml));

    public static ConfigException Problems(params (string Line, string Replacement)[] replace) =>
        Assert.Throws<ConfigException>(() => With("test", replace));
}
