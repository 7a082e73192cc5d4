using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using K8sLab.Bootstrap;
using K8sLab.Configuration;
using K8sLab.Contract;

namespace K8sLab.Summary;

/// <summary>
/// What <c>--print-config ENV</c> prints: one environment as the app read it (region, stacks, node
/// names, parameter names, the machine image), with the lab's facts (<c>converge/contract/lab.json</c>)
/// under <c>facts</c>, as one JSON object. The scripts read it (scripts/lab-config.sh) instead of the
/// YAML, so a quoted value, a comment or an anchor means to them what it means to the synth. Pure
/// C#: printing starts no jsii.
/// </summary>
public static class PrintedConfig
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        // Printed for scripts and people, never into HTML: apostrophes stay apostrophes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <param name="file">The environment file's full path (<see cref="EnvironmentFiles.FileOf"/>).</param>
    public static string Render(LabConfig config, string file)
    {
        var stacks = config.StackNames;
        var json = new JsonObject
        {
            ["environment"] = config.Environment,
            ["region"] = config.Region,
            ["file"] = file,
            ["stacks"] = new JsonObject
            {
                ["network"] = stacks.Network,
                ["security"] = stacks.Security,
                ["bastion"] = stacks.Bastion,
                ["nodes"] = stacks.Nodes,
            },
            // Keyed as facts.roles: the names the stacks give (NodeSpec), not a prefix put together here.
            ["nodes"] = new JsonObject
            {
                ["controlPlane"] = Names(config.Environment, NodeRole.ControlPlane, config.ControlPlane.Count),
                ["worker"] = Names(config.Environment, NodeRole.Worker, config.Workers.Count),
                ["bastion"] = new JsonArray(LabFacts.BastionName),
            },
            ["parameters"] = new JsonObject
            {
                ["request"] = LabFacts.RequestParameter(config.Environment),
                ["kubeconfig"] = LabFacts.KubeconfigParameter(config.Environment),
            },
            ["machineImage"] = new JsonObject
            {
                ["amiId"] = config.MachineImage.AmiId,
                ["name"] = config.MachineImage.Name,
                ["architecture"] = config.MachineImage.Architecture,
            },
            ["facts"] = JsonNode.Parse(LabFacts.Json.GetRawText()),
        };
        return json.ToJsonString(Options);
    }

    private static JsonArray Names(string environment, NodeRole role, int count) =>
        new(Enumerable.Range(1, count).Select(index => (JsonNode?)new NodeSpec(environment, role, index).Name).ToArray());
}
