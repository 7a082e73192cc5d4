using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using K8sLab.Bootstrap;
using K8sLab.Images;
using K8sLab.Tagging;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Rules;

/// <summary>
/// Rules checked on synthesized templates. Each returns its violations (empty = pass), so a test can
/// show a rule passing on the lab and failing on a deliberately broken template.
/// </summary>
public static class TemplateRules
{
    private const string Instance = "AWS::EC2::Instance";

    /// <summary>
    /// Trap 3: CloudFormation refuses to change an export another stack imports, so an export that
    /// carries anything of a replaceable instance makes its first replacement fail.
    /// </summary>
    public static IEnumerable<string> ExportsCarryNoInstanceAttribute(Synthesized app) =>
        from t in app.All
        let resources = t.Template["Resources"]?.AsObject()
        from output in (t.Template["Outputs"]?.AsObject() ?? new JsonObject())
        where output.Value!["Export"] is not null
        from id in Json.References(output.Value!["Value"])
        where resources?[id]?["Type"]?.GetValue<string>() == Instance
        select $"{t.Stack}: export {output.Key} carries an attribute of instance {id}";

    /// <summary>
    /// Trap 2: the replacement hash covers the template text, so user data that embeds any reference
    /// (another instance's IP, say) replaces this instance whenever that one is replaced.
    /// </summary>
    public static IEnumerable<string> UserDataIsSelfContained(Synthesized app) =>
        from r in app.Resources(Instance)
        let userData = Json.UserData(app, r.Stack, r.Resource)
        where userData is not JsonValue
        select $"{r.Stack}/{r.LogicalId}: user data is not a literal document (it embeds {string.Join(", ", Json.References(userData).DefaultIfEmpty("an intrinsic"))})";

    /// <summary>Trap 4: the replacement is created while the old instance still holds a pinned address.</summary>
    public static IEnumerable<string> NoFixedPrivateIp(Synthesized app) =>
        from r in app.Resources(Instance)
        let p = r.Resource["Properties"]!
        where p["PrivateIpAddress"] is not null ||
              (p["NetworkInterfaces"]?.AsArray() ?? new JsonArray()).Any(n => n!["PrivateIpAddress"] is not null || n["PrivateIpAddresses"] is not null)
        select $"{r.Stack}/{r.LogicalId}: pins a private IP address";

    /// <summary>
    /// Trap 5: an image resolved at deploy time ("latest" through SSM) replaces every instance when a
    /// new one is published, invisible to cdk diff. Only a literal AMI or the unpinned guard may appear.
    /// </summary>
    public static IEnumerable<string> ImagesArePinned(Synthesized app)
    {
        foreach (var r in app.Resources(Instance))
        {
            var image = r.Resource["Properties"]!["ImageId"];
            var fine = image is JsonValue v && v.GetValue<string>().StartsWith("ami-", StringComparison.Ordinal)
                       || Json.References(image).SequenceEqual(new[] { PinnedImageSource.UnpinnedParameterId });
            if (!fine) yield return $"{r.Stack}/{r.LogicalId}: image {image?.ToJsonString()} is not a pinned AMI";
        }
        foreach (var t in app.All)
            foreach (var p in t.Template["Parameters"]?.AsObject() ?? new JsonObject())
                if (p.Value!["Type"]!.GetValue<string>().Contains("AWS::EC2::Image::Id"))
                    yield return $"{t.Stack}: parameter {p.Key} resolves an image at deploy time";
    }

    /// <summary>
    /// Traps 1 and 6: every instance's logical ID must end in the hash CDK computes from the user data
    /// that is actually in the template. Without UserDataCausesReplacement there is no hash; with the
    /// L1 UserData overridden, the hash belongs to other text. A node's hash may cover its instance type
    /// too (md5 of the same JSON text, a space and the type): a new type replaces it as new user data does.
    /// </summary>
    public static IEnumerable<string> ReplacementFollowsUserData(Synthesized app) =>
        from r in app.Resources(Instance)
        let text = Json.UserData(app, r.Stack, r.Resource) is JsonValue v ? v.GetValue<string>() : null
        let type = r.Resource["Properties"]?["InstanceType"] is JsonValue t ? t.GetValue<string>() : ""
        let id = System.Text.RegularExpressions.Regex.Replace(r.LogicalId, "G[0-9]+$", "")
        where text is null || !(id.EndsWith(CdkUserDataHash(text), StringComparison.Ordinal) || id.EndsWith(Md5Hex(JsStringify(text) + " " + type), StringComparison.Ordinal))
        select $"{r.Stack}/{r.LogicalId}: logical ID does not carry the hash of its user data, so a change would not replace it";

    /// <summary>Each instance carries the fingerprint of exactly the document it boots.</summary>
    public static IEnumerable<string> FingerprintTagsMatch(Synthesized app) =>
        from r in app.Resources(Instance)
        let text = (Json.UserData(app, r.Stack, r.Resource) as JsonValue)?.GetValue<string>() ?? ""
        let tag = Json.Tag(r.Resource, LabTags.Fingerprint)
        where tag != new UserDataDocument(text).Fingerprint
        select $"{r.Stack}/{r.LogicalId}: fingerprint tag {tag ?? "missing"} does not match its user data";

    /// <summary>CDK's suffix: md5 of JSON.stringify(user data), first 16 hex digits.</summary>
    public static string CdkUserDataHash(string userData) => Md5Hex(JsStringify(userData));

    private static string Md5Hex(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)))[..16];

    private static string JsStringify(string s)
    {
        var b = new StringBuilder("\"");
        foreach (var c in s)
            b.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\b' => "\\b",
                '\f' => "\\f",
                < ' ' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        return b.Append('"').ToString();
    }
}

public static class Json
{
    /// <summary>Logical IDs a value refers to through Ref or Fn::GetAtt, however deeply nested.</summary>
    public static IEnumerable<string> References(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    if (key == "Ref" && value is JsonValue r) yield return r.GetValue<string>();
                    else if (key == "Fn::GetAtt" && value is JsonArray a) yield return a[0]!.GetValue<string>();
                    else foreach (var id in References(value)) yield return id;
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                    foreach (var id in References(item)) yield return id;
                break;
        }
    }

    /// <summary>
    /// What an instance boots: its own UserData where it has one (which wins over its launch
    /// template's), else its launch template's; the value inside Fn::Base64, or the text of a
    /// literal base64 value (gzipped, as the bastion's once was: EC2 and cloud-init unpack it; UserDataPlainWithinBudget refuses it).
    /// </summary>
    public static JsonNode? UserData(Synthesized app, string stack, JsonObject instance)
    {
        var own = instance["Properties"]?["UserData"];
        if (own is not null) return Text(own);
        var template = References(instance["Properties"]?["LaunchTemplate"]?["LaunchTemplateId"]).FirstOrDefault();
        var data = template is null ? null : app.Template(stack)["Resources"]?[template]?["Properties"]?["LaunchTemplateData"]?["UserData"];
        return Text(data);
    }

    /// <summary>The plain text inside an instance's Fn::Base64 user data; null for anything else (a literal base64 value, an expression).</summary>
    public static string? UserDataText(Synthesized app, string stack, JsonObject instance)
    {
        var raw = instance["Properties"]?["UserData"];
        if (raw is null)
        {
            var template = References(instance["Properties"]?["LaunchTemplate"]?["LaunchTemplateId"]).FirstOrDefault();
            raw = template is null ? null : app.Template(stack)["Resources"]?[template]?["Properties"]?["LaunchTemplateData"]?["UserData"];
        }
        return raw is JsonObject o && o["Fn::Base64"] is JsonValue text && text.TryGetValue<string>(out var s) ? s : null;
    }

    private static JsonNode? Text(JsonNode? value)
    {
        if (value is JsonObject o) return o["Fn::Base64"] ?? o;
        if (value is not JsonValue v || !v.TryGetValue<string>(out var base64)) return value;
        var bytes = Convert.FromBase64String(base64);
        if (bytes.Length < 2 || bytes[0] != 0x1f || bytes[1] != 0x8b) return JsonValue.Create(System.Text.Encoding.UTF8.GetString(bytes));
        using var gzip = new System.IO.Compression.GZipStream(new MemoryStream(bytes), System.IO.Compression.CompressionMode.Decompress);
        return JsonValue.Create(new StreamReader(gzip).ReadToEnd());
    }

    public static string? Tag(JsonObject resource, string key) => K8sLab.Preview.ResourceJson.Tag(resource, key);
}
