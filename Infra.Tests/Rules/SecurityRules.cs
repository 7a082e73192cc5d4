using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Rules;

/// <summary>
/// Security and reliability rules of AWS Security Hub, cdk-nag and checkov that apply to the lab,
/// checked on synthesized templates. Each returns its violations; SECURITY.md lists them.
/// </summary>
public static class SecurityRules
{
    private const string Instance = "AWS::EC2::Instance";
    private static readonly string[] NodeRoles = { "control-plane", "worker" };

    /// <summary>IMDSv2 only, hop limit 1 (Security Hub EC2.8; cdk-nag NIST.800.53.R5-EC2IMDSv2Enabled).</summary>
    public static IEnumerable<string> ImdsV2WithHopLimitOne(Synthesized app)
    {
        foreach (var (stack, id, resource) in app.Resources(Instance))
        {
            var template = app.Template(stack)["Resources"]!.AsObject();
            var ltRef = Json.References(resource["Properties"]?["LaunchTemplate"]?["LaunchTemplateId"]).FirstOrDefault();
            var options = ltRef is null ? null : template[ltRef]?["Properties"]?["LaunchTemplateData"]?["MetadataOptions"];
            if (options?["HttpTokens"]?.GetValue<string>() != "required")
                yield return $"{stack}/{id}: IMDSv2 is not required";
            if (options?["HttpPutResponseHopLimit"]?.GetValue<int>() != 1)
                yield return $"{stack}/{id}: metadata hop limit is not 1 (pods could reach the instance's credentials)";
        }
    }

    /// <summary>Every instance's volumes encrypted through explicit mappings (EC2.3/EC2.7; cdk-nag EC26).</summary>
    public static IEnumerable<string> EbsEncrypted(Synthesized app)
    {
        foreach (var (stack, id, resource) in app.Resources(Instance))
        {
            var mappings = resource["Properties"]?["BlockDeviceMappings"]?.AsArray();
            if (mappings is null || mappings.Count == 0) yield return $"{stack}/{id}: no explicit block device mapping (root volume encryption left to the account)";
            else foreach (var m in mappings.Where(m => m?["Ebs"]?["Encrypted"]?.GetValue<bool>() != true))
                yield return $"{stack}/{id}: volume {m?["DeviceName"]} is not encrypted";
        }
        foreach (var (stack, id, resource) in app.Resources("AWS::EC2::Volume"))
            if (resource["Properties"]?["Encrypted"]?.GetValue<bool>() != true) yield return $"{stack}/{id}: volume is not encrypted";
    }

    /// <summary>
    /// No ingress from anywhere (EC2.13, EC2.14, EC2.18; cdk-nag EC23). The bastion's SSH may be open
    /// only where the environment opted in, which the synth then warns about.
    /// </summary>
    public static IEnumerable<string> NoIngressFromAnywhere(Synthesized app, bool adminAnywhereOptIn = false) =>
        from i in Ingress(app)
        where i.Rule["CidrIp"]?.GetValue<string>() == "0.0.0.0/0" || i.Rule["CidrIpv6"]?.GetValue<string>() == "::/0"
        where !(adminAnywhereOptIn && i.Target.Contains("BastionGroup") && Port(i.Rule, "FromPort") == 22 && Port(i.Rule, "ToPort") == 22)
        select $"{i.Stack}: ingress to {i.Target} from anywhere on {Describe(i.Rule)}";

    /// <summary>No ingress on all protocols (checkov CKV_AWS_277 family; cdk-nag EC23).</summary>
    public static IEnumerable<string> NoAllProtocolIngress(Synthesized app) =>
        from i in Ingress(app)
        where i.Rule["IpProtocol"]?.ToString() == "-1"
        select $"{i.Stack}: ingress to {i.Target} allows every protocol";

    /// <summary>A description on every rule, ingress and egress (checkov CKV_AWS_23).</summary>
    public static IEnumerable<string> RulesDescribed(Synthesized app) =>
        from r in Ingress(app).Concat(Egress(app))
        where string.IsNullOrWhiteSpace(r.Rule["Description"]?.GetValue<string>())
        select $"{r.Stack}: rule on {r.Target} ({Describe(r.Rule)}) has no description";

    /// <summary>SSH to a node only from the bastion's group.</summary>
    public static IEnumerable<string> NodeSshOnlyFromBastion(Synthesized app) =>
        from i in NodeIngress(app)
        where Covers(i.Rule, 22) && !SourceIs(i.Rule, "BastionGroup")
        select $"{i.Stack}: SSH to {i.Target} from {Source(i.Rule)}";

    /// <summary>The Kubernetes API only from the nodes and the bastion.</summary>
    public static IEnumerable<string> ApiOnlyFromNodesAndBastion(Synthesized app) =>
        from i in NodeIngress(app)
        where Covers(i.Rule, 6443) && !(SourceIs(i.Rule, "BastionGroup") || SourceIs(i.Rule, "ControlPlaneGroup") || SourceIs(i.Rule, "WorkerGroup"))
        select $"{i.Stack}: 6443 to {i.Target} from {Source(i.Rule)}";

    /// <summary>etcd's ports only among control-plane nodes.</summary>
    public static IEnumerable<string> EtcdOnlyAmongControlPlane(Synthesized app) =>
        from i in Ingress(app)
        where Covers(i.Rule, 2379) || Covers(i.Rule, 2380)
        where !(i.Target.Contains("ControlPlaneGroup") && SourceIs(i.Rule, "ControlPlaneGroup"))
        select $"{i.Stack}: etcd port to {i.Target} from {Source(i.Rule)}";

    /// <summary>
    /// Each network plugin's ports between nodes, as kubespray's port-requirements document lists them
    /// for the mode the lab runs it in (VXLAN; cilium's health checks on TCP 4240 and ICMP echo), written
    /// here apart from the lab's own table (Cluster/PortRules.cs) so that the two check each other.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, (string Protocol, int From, int To)[]> PluginPorts = new Dictionary<string, (string, int, int)[]>
    {
        ["calico"] = new[] { ("udp", 4789, 4789) },
        ["cilium"] = new[] { ("udp", 8472, 8472), ("tcp", 4240, 4240), ("icmp", 8, -1) },
        ["flannel"] = new[] { ("udp", 8472, 8472) },
    };

    /// <summary>
    /// The plugin's ports open from every node group to every node group, and no port that only
    /// other plugins need open to a node (least privilege: a port nothing listens on is closed).
    /// </summary>
    public static IEnumerable<string> NetworkPluginPortsOnly(Synthesized app, string plugin)
    {
        var own = PluginPorts[plugin];
        var nodeIngress = NodeIngress(app).ToList();
        foreach (var port in own)
            foreach (var from in new[] { "ControlPlaneGroup", "WorkerGroup" })
                foreach (var to in new[] { "ControlPlaneGroup", "WorkerGroup" })
                    if (!nodeIngress.Any(i => i.Target.Contains(to) && SourceIs(i.Rule, from) && Is(i.Rule, port)))
                        yield return $"{plugin}: {port.Protocol} {port.From}-{port.To} is not open from {from} to {to}";
        foreach (var port in PluginPorts.Where(p => p.Key != plugin).SelectMany(p => p.Value).Except(own).Distinct())
            foreach (var i in nodeIngress.Where(i => Is(i.Rule, port)))
                yield return $"{i.Stack}: {port.Protocol} {port.From}-{port.To} to {i.Target} from {Source(i.Rule)}: another network plugin's port, not {plugin}'s";
    }

    /// <summary>
    /// A network plugin's port rules roll back with a plugin change the convergence refuses: each one
    /// is in a Nodes stack (the Security stack deploys first and would not roll back with it), and that
    /// stack's convergence request header and wait condition depend on it (the bastion starts once the
    /// header changes; a rebuild finds its plugin's ports open).
    /// </summary>
    public static IEnumerable<string> PluginRulesRollBackWithTheConvergence(Synthesized app)
    {
        var pluginPorts = PluginPorts.Values.SelectMany(p => p).Distinct().ToList();
        foreach (var (stack, id, resource) in app.Resources("AWS::EC2::SecurityGroupIngress")
                     .Where(r => pluginPorts.Any(port => Is(r.Resource["Properties"]!, port))))
        {
            if (!stack.EndsWith("-Nodes", StringComparison.Ordinal))
            {
                yield return $"{stack}/{id}: a network plugin's rule outside the Nodes stack does not roll back with a refused plugin change";
                continue;
            }
            var resources = app.Template(stack)["Resources"]!.AsObject();
            var waiters = resources.Where(r => r.Key == "ConvergeRequest" || r.Value!["Type"]!.GetValue<string>() == "AWS::CloudFormation::WaitCondition").ToList();
            if (waiters.Count < 2) yield return $"{stack}: no convergence request and wait condition to depend on {id}";
            foreach (var w in waiters.Where(w => !Strings(w.Value!["DependsOn"]).Contains(id)))
                yield return $"{stack}/{w.Key}: does not depend on the plugin rule {id}";
        }
        // An inline rule of a group cannot be in the Nodes stack at all.
        foreach (var i in Ingress(app).Where(i => !i.Stack.EndsWith("-Nodes", StringComparison.Ordinal) && i.Rule["GroupId"] is null
                                                 && pluginPorts.Any(port => Is(i.Rule, port))))
            yield return $"{i.Stack}: a network plugin's rule inline on {i.Target} does not roll back with a refused plugin change";
    }

    private static bool Is(JsonNode rule, (string Protocol, int From, int To) port) =>
        rule["IpProtocol"]?.ToString() == port.Protocol && Port(rule, "FromPort") == port.From && Port(rule, "ToPort") == port.To;

    /// <summary>Flow logs on every VPC (EC2.6; cdk-nag VPC7).</summary>
    public static IEnumerable<string> FlowLogsOn(Synthesized app) =>
        from vpc in app.Resources("AWS::EC2::VPC")
        where !app.Resources("AWS::EC2::FlowLog").Any(f => f.Stack == vpc.Stack && Json.References(f.Resource["Properties"]?["ResourceId"]).Contains(vpc.LogicalId))
        select $"{vpc.Stack}/{vpc.LogicalId}: no flow log";

    /// <summary>The default security group has no rules (EC2.2).</summary>
    public static IEnumerable<string> DefaultSecurityGroupClosed(Synthesized app) =>
        from vpc in app.Resources("AWS::EC2::VPC")
        where !app.Resources("Custom::VpcRestrictDefaultSG").Any(c => c.Stack == vpc.Stack && Json.References(c.Resource["Properties"]?["DefaultSecurityGroupId"]).Contains(vpc.LogicalId))
        select $"{vpc.Stack}/{vpc.LogicalId}: default security group keeps its rules";

    /// <summary>No public IP on a node (EC2.9).</summary>
    public static IEnumerable<string> NoPublicIpOnNodes(Synthesized app) =>
        from r in app.Resources(Instance)
        where NodeRoles.Contains(Json.Tag(r.Resource, "k8slab:role"))
        let interfaces = r.Resource["Properties"]?["NetworkInterfaces"]?.AsArray()
        where interfaces is null || interfaces.Any(n => n?["AssociatePublicIpAddress"]?.GetValue<bool>() != false)
        select $"{r.Stack}/{r.LogicalId}: node may get a public IP";

    /// <summary>
    /// No subnet hands out public addresses on launch (Security Hub EC2.15; cdk-nag
    /// NIST.800.53.R5-VPCSubnetAutoAssignPublicIpDisabled): an instance is public only by asking.
    /// </summary>
    public static IEnumerable<string> NoPublicIpMappedOnLaunch(Synthesized app) =>
        from s in app.Resources("AWS::EC2::Subnet")
        let p = s.Resource["Properties"]
        where p?["MapPublicIpOnLaunch"]?.GetValue<bool>() == true || p?["AssignIpv6AddressOnCreation"]?.GetValue<bool>() == true
        select $"{s.Stack}/{s.LogicalId}: subnet assigns public addresses on launch";

    /// <summary>
    /// The public hosts, the bastion and a NAT instance (the Network stack's only instances), ask for
    /// their public IPv4 address on their network interface at launch: the subnets map none, and a
    /// NAT instance's first boot already needs the internet.
    /// </summary>
    public static IEnumerable<string> PublicHostsAskForTheirAddress(Synthesized app) =>
        from r in app.Resources(Instance)
        where Json.Tag(r.Resource, "k8slab:role") == "bastion" || r.Stack.EndsWith("-Network", StringComparison.Ordinal)
        let interfaces = r.Resource["Properties"]?["NetworkInterfaces"]?.AsArray()
        where interfaces is not [{ } primary] || primary["AssociatePublicIpAddress"]?.GetValue<bool>() != true
        select $"{r.Stack}/{r.LogicalId}: public host does not ask for a public address at launch";

    /// <summary>
    /// Actions whose AWS API offers no resource-level permission, so "*" is the only resource they
    /// accept (IAM service authorization reference: EC2's Describe* calls; ssmmessages and
    /// ec2messages, the Session Manager agent's channels, define no resource types).
    /// </summary>
    public static readonly IReadOnlySet<string> ActionsWithoutResourceLevelPermissions =
        new HashSet<string> { "ec2:DescribeKeyPairs", "ec2:DescribeInstances", "ec2:DescribeSpotInstanceRequests" }
            .Concat(K8sLab.Security.SecurityStack.SessionManagerActions).ToHashSet();

    /// <summary>
    /// Instance roles carry no AWS managed policy (IAM.2 family; cdk-nag AwsSolutions-IAM4): their
    /// permissions are in the template, where the rule above can see them. AmazonSSMManagedInstanceCore
    /// alone would let every node read every SSM parameter, the cluster key included.
    /// </summary>
    public static IEnumerable<string> InstanceRolesWithoutManagedPolicies(Synthesized app) =>
        from r in app.Resources("AWS::IAM::Role")
        where r.Resource["Properties"]?["AssumeRolePolicyDocument"]?.ToJsonString().Contains("ec2.amazonaws.com") == true
        where r.Resource["Properties"]?["ManagedPolicyArns"] is JsonArray { Count: > 0 }
        select $"{r.Stack}/{r.LogicalId}: instance role with managed policies {r.Resource["Properties"]!["ManagedPolicyArns"]!.ToJsonString()}";

    /// <summary>No wildcard actions; "*" resources only for the actions above (IAM.1, IAM.21; cdk-nag IAM5).</summary>
    public static IEnumerable<string> LeastPrivilegeIam(Synthesized app)
    {
        foreach (var (stack, id, statement) in Statements(app))
        {
            if (statement["Effect"]?.GetValue<string>() != "Allow") continue;
            var actions = Strings(statement["Action"]).ToList();
            foreach (var action in actions.Where(a => a.Contains('*')))
                yield return $"{stack}/{id}: wildcard action {action}";
            if (Strings(statement["Resource"]).Contains("*"))
                foreach (var action in actions.Where(a => !ActionsWithoutResourceLevelPermissions.Contains(a)))
                    yield return $"{stack}/{id}: {action} on resource \"*\"";
        }
    }

    // --- the etcd snapshot bucket ----------------------------------------------------------------

    /// <summary>
    /// The etcd snapshots (the cluster's state and its CA keys) are a secret: every bucket of the lab
    /// blocks public access in all four ways, is encrypted at rest, refuses requests without TLS,
    /// keeps no versions and expires its objects; of the lab's roles only the bastion's names it.
    /// </summary>
    public static IEnumerable<string> SnapshotBucketPrivateToTheBastion(Synthesized app)
    {
        foreach (var (stack, id, bucket) in app.Resources("AWS::S3::Bucket"))
        {
            var p = bucket["Properties"];
            var block = p?["PublicAccessBlockConfiguration"];
            foreach (var key in new[] { "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets" })
                if (block?[key]?.GetValue<bool>() != true) yield return $"{stack}/{id}: {key} is not on";
            if (p?["BucketEncryption"]?["ServerSideEncryptionConfiguration"]?.AsArray().Count is not > 0)
                yield return $"{stack}/{id}: no default encryption";
            if (p?["VersioningConfiguration"]?["Status"]?.GetValue<string>() == "Enabled")
                yield return $"{stack}/{id}: keeps versions (expired snapshots would stay)";
            if (!(p?["LifecycleConfiguration"]?["Rules"]?.AsArray() ?? new JsonArray()).Any(r => r?["ExpirationInDays"] is not null && r["Status"]?.GetValue<string>() == "Enabled"))
                yield return $"{stack}/{id}: no lifecycle rule expires its objects";
            var tlsOnly = app.Resources("AWS::S3::BucketPolicy").Any(bp => bp.Stack == stack
                && Json.References(bp.Resource["Properties"]?["Bucket"]).Contains(id)
                && (bp.Resource["Properties"]?["PolicyDocument"]?["Statement"]?.AsArray() ?? new JsonArray()).Any(st =>
                    st?["Effect"]?.GetValue<string>() == "Deny" && st["Condition"]?["Bool"]?["aws:SecureTransport"]?.ToString() == "false"));
            if (!tlsOnly) yield return $"{stack}/{id}: accepts requests without TLS (no Deny on aws:SecureTransport false)";
            foreach (var s in InstanceRoleStatements(app).Where(s => s.Stack == stack && Json.References(s.Statement["Resource"]).Contains(id)))
                if (!s.Role.StartsWith("BastionRole", StringComparison.Ordinal))
                    yield return $"{s.Stack}/{s.PolicyId}: role {s.Role} may use the snapshot bucket {id}";
            foreach (var (policyStack, policyId, statement) in Statements(app).Where(s => s.Stack == stack && Json.References(s.Statement["Resource"]).Contains(id)))
                if (!policyId.StartsWith("BastionRole", StringComparison.Ordinal))
                    yield return $"{policyStack}/{policyId}: a policy other than the bastion role's names the snapshot bucket {id}";
        }
    }

    // --- the admin kubeconfig and the spot requests (scripts/kubeconfig.sh, the convergence) ----

    /// <summary>What reads an SSM parameter's value.</summary>
    public static readonly string[] ParameterReadActions = { "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParameterHistory", "ssm:GetParametersByPath" };

    /// <summary>
    /// No instance role can read the admin kubeconfig parameter: on a node, any pod on the host
    /// network could take the instance's role and with it cluster-admin; the bastion only writes it.
    /// Only the user's own credentials read it (scripts/kubeconfig.sh).
    /// </summary>
    public static IEnumerable<string> KubeconfigReadByNoInstance(Synthesized app) =>
        from s in InstanceRoleStatements(app)
        where s.Statement["Effect"]?.GetValue<string>() == "Allow"
        let name = K8sLab.Contract.LabFacts.KubeconfigParameter(EnvironmentOf(s.Stack))
        let sample = SampleArn(app, s.Stack, "ssm", "parameter" + name)
        let unbounded = s.Statement["NotAction"] is not null || s.Statement["NotResource"] is not null
        let reads = ParameterReadActions.Where(a => Strings(s.Statement["Action"]).Any(pattern => IamMatch(pattern, a))).ToList()
        let covering = ArnPatterns(s.Statement["Resource"]).Where(r => r.IsMatch(sample)).ToList()
        where unbounded || (reads.Count > 0 && covering.Count > 0)
        select unbounded
            ? $"{s.Stack}/{s.PolicyId}: a statement of role {s.Role} uses NotAction/NotResource, which cannot be bounded away from {name}"
            : $"{s.Stack}/{s.PolicyId}: role {s.Role} may read {name} ({string.Join(", ", reads)})";

    /// <summary>
    /// Only the bastion writes SSM parameters, and only the admin kubeconfig parameter, by its exact
    /// name; and it can (the convergence stores the kubeconfig after each run).
    /// </summary>
    public static IEnumerable<string> KubeconfigWrittenOnlyByTheBastion(Synthesized app)
    {
        var granted = new HashSet<string>();
        foreach (var s in InstanceRoleStatements(app).Where(s => s.Statement["Effect"]?.GetValue<string>() == "Allow"))
        {
            if (!Strings(s.Statement["Action"]).Any(a => IamMatch(a, "ssm:PutParameter"))) continue;
            var name = K8sLab.Contract.LabFacts.KubeconfigParameter(EnvironmentOf(s.Stack));
            if (!s.Role.StartsWith("BastionRole", StringComparison.Ordinal))
            {
                yield return $"{s.Stack}/{s.PolicyId}: role {s.Role} may write SSM parameters";
                continue;
            }
            var exact = new Regex($@"^arn:(aws[a-z-]*|\$\{{AWS::Partition\}}):ssm:[a-z0-9-]+:(\$\{{AWS::AccountId\}}|\d{{12}}):parameter{Regex.Escape(name)}$");
            var resources = ArnTexts(s.Statement["Resource"]).ToList();
            foreach (var other in resources.Where(r => !exact.IsMatch(r)))
                yield return $"{s.Stack}/{s.PolicyId}: the bastion may write {other}, not only {name}";
            if (resources.Count > 0 && resources.All(exact.IsMatch)) granted.Add(s.Stack);
        }
        foreach (var stack in app.Texts.Keys.Where(k => k.EndsWith("-Security", StringComparison.Ordinal) && !granted.Contains(k)))
            yield return $"{stack}: the bastion may not write {K8sLab.Contract.LabFacts.KubeconfigParameter(EnvironmentOf(stack))}: the kubeconfig would never reach SSM";
    }

    private static readonly Regex KubeconfigValue = new(@"(client-key-data|client-certificate-data|certificate-authority-data|client-key|client-certificate)[""']?\s*[:=]\s*[""']?(LS0t|MII)[A-Za-z0-9+/=]{16,}");

    /// <summary>
    /// No cluster credential in any template (resources, outputs, parameters) or user data: the
    /// kubeconfig exists only as the SecureString the bastion writes at run time, never as a
    /// template resource (CloudFormation cannot create a SecureString; a String would show its value
    /// to anyone who can read the template or the parameter).
    /// </summary>
    public static IEnumerable<string> NoCredentialsInTemplates(Synthesized app)
    {
        foreach (var (stack, id, resource) in app.Resources("AWS::SSM::Parameter"))
        {
            var name = resource["Properties"]?["Name"];
            if (name is JsonValue v && v.GetValue<string>() == K8sLab.Contract.LabFacts.KubeconfigParameter(EnvironmentOf(stack)))
                yield return $"{stack}/{id}: the kubeconfig parameter is a template resource";
        }
        foreach (var (stack, template) in app.All)
        {
            var texts = new List<(string Where, string Text)> { ("template", app.Texts[stack]) };
            texts.AddRange(app.Resources("AWS::EC2::Instance").Where(r => r.Stack == stack)
                .Select(r => ($"user data of {r.LogicalId}", Json.UserData(app, stack, r.Resource)?.ToJsonString() ?? "")));
            foreach (var (where, text) in texts)
            {
                if (KubeconfigValue.IsMatch(text)) yield return $"{stack}: {where} holds a kubeconfig credential";
                foreach (var pattern in SecretPatterns.Where(p => p.IsMatch(text)))
                    yield return $"{stack}: {where} matches secret pattern {pattern}";
            }
        }
    }

    /// <summary>
    /// Only the bastion cancels spot requests, only its own lab's: those tagged with the Name of its
    /// Nodes stack's launch templates (aws:ResourceTag/Name); and that tag is what every spot launch
    /// template gives its requests, so the permission is not vacuous.
    /// </summary>
    public static IEnumerable<string> SpotRequestsCancelledOnlyInTheirEnvironment(Synthesized app)
    {
        var patterns = new Dictionary<string, string>();
        foreach (var s in InstanceRoleStatements(app).Where(s => s.Statement["Effect"]?.GetValue<string>() == "Allow"))
        {
            if (!Strings(s.Statement["Action"]).Any(a => IamMatch(a, "ec2:CancelSpotInstanceRequests"))) continue;
            var nodes = $"K8sLab-{EnvironmentOf(s.Stack)}-Nodes";
            if (!s.Role.StartsWith("BastionRole", StringComparison.Ordinal))
            {
                yield return $"{s.Stack}/{s.PolicyId}: role {s.Role} may cancel spot requests";
                continue;
            }
            foreach (var other in ArnTexts(s.Statement["Resource"]).Where(r => !r.Contains(":spot-instances-request/", StringComparison.Ordinal)))
                yield return $"{s.Stack}/{s.PolicyId}: spot cancellation on {other}";
            var condition = s.Statement["Condition"]?["StringLike"]?["aws:ResourceTag/Name"] ?? s.Statement["Condition"]?["StringEquals"]?["aws:ResourceTag/Name"];
            var pattern = condition is JsonValue c ? c.GetValue<string>() : null;
            if (pattern is null || !(pattern == nodes + "/*" || pattern.StartsWith(nodes + "/", StringComparison.Ordinal)))
                yield return $"{s.Stack}/{s.PolicyId}: spot cancellation not limited to requests tagged Name={nodes}/* (got {pattern ?? "no condition"})";
            else patterns[nodes] = pattern;
        }
        foreach (var (stack, template) in app.All.Where(t => t.Stack.EndsWith("-Nodes", StringComparison.Ordinal)))
        {
            if (!patterns.TryGetValue(stack, out var pattern))
            {
                yield return $"{stack}: the bastion may not cancel this lab's spot requests: a replaced or removed spot node would leave a request that launches instances";
                continue;
            }
            foreach (var (id, lt) in (template["Resources"]?.AsObject() ?? new JsonObject()).Where(r => r.Value!["Type"]!.GetValue<string>() == "AWS::EC2::LaunchTemplate"))
                foreach (var spec in lt!["Properties"]?["LaunchTemplateData"]?["TagSpecifications"]?.AsArray() ?? new JsonArray())
                    if (spec?["ResourceType"]?.GetValue<string>() == "spot-instances-request")
                    {
                        var name = (spec["Tags"]?.AsArray() ?? new JsonArray()).FirstOrDefault(t => t?["Key"]?.GetValue<string>() == "Name")?["Value"];
                        if (name is not JsonValue n || !IamMatch(pattern, n.GetValue<string>()))
                            yield return $"{stack}/{id}: its spot requests' Name ({name?.ToJsonString() ?? "none"}) is outside what the bastion may cancel ({pattern})";
                    }
        }
    }

    private static readonly Regex[] SecretPatterns =
    {
        new("-----BEGIN [A-Z ]*PRIVATE KEY-----"),
        new(@"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
        new(@"(?i)aws_secret_access_key\s*[=:]"),
        new(@"(?i)\b(password|passwd|secret|token)\s*[=:]\s*['""]?[^\s'""$]{8,}"),
    };

    /// <summary>No secrets in user data (cdk-nag EC2 user-data rules; checkov CKV_AWS_46).</summary>
    public static IEnumerable<string> NoSecretsInUserData(Synthesized app) =>
        from r in app.Resources(Instance)
        let text = Json.UserData(app, r.Stack, r.Resource)?.ToJsonString() ?? ""
        from pattern in SecretPatterns
        where pattern.IsMatch(text)
        select $"{r.Stack}/{r.LogicalId}: user data matches secret pattern {pattern}";

    /// <summary>
    /// Every instance boots plain cloud-config text within the lab's 8 KB budget (EC2 takes 16 KB):
    /// readable in the template and in cdk diff, never compressed or encoded to fit.
    /// </summary>
    public static IEnumerable<string> UserDataPlainWithinBudget(Synthesized app) =>
        from r in app.Resources(Instance)
        let text = Json.UserDataText(app, r.Stack, r.Resource)
        let problem = text is null ? "user data is not plain text inside Fn::Base64"
            : !text.StartsWith("#cloud-config\n", StringComparison.Ordinal) ? "user data is not a cloud-config document"
            : System.Text.Encoding.UTF8.GetByteCount(text) > K8sLab.Bootstrap.UserDataDocument.BudgetBytes ? $"user data is {System.Text.Encoding.UTF8.GetByteCount(text)} bytes, over the budget of {K8sLab.Bootstrap.UserDataDocument.BudgetBytes}"
            : null
        where problem is not null
        select $"{r.Stack}/{r.LogicalId}: {problem}";

    // --- helpers -------------------------------------------------------------------------------

    private sealed record RuleAt(string Stack, string Target, JsonNode Rule);

    /// <summary>
    /// Every ingress rule, with its target and source as the security groups' logical IDs: a rule in
    /// another stack than its groups (the Nodes stack's plugin rules) names them through imports of
    /// the Security stack's exports, which this follows to the exported group.
    /// </summary>
    private static IEnumerable<RuleAt> Ingress(Synthesized app)
    {
        var exports = Exports(app);
        return app.Resources("AWS::EC2::SecurityGroupIngress").Select(r =>
            {
                var rule = r.Resource["Properties"]!.DeepClone().AsObject();
                foreach (var key in new[] { "GroupId", "SourceSecurityGroupId" })
                    if (rule[key] is JsonObject { } reference && reference["Fn::ImportValue"] is JsonValue name && exports.TryGetValue(name.GetValue<string>(), out var value))
                        rule[key] = value.DeepClone();
                return new RuleAt(r.Stack, TargetOf(rule["GroupId"], r.LogicalId), rule);
            })
            .Concat(app.Resources("AWS::EC2::SecurityGroup").SelectMany(g =>
                (g.Resource["Properties"]?["SecurityGroupIngress"]?.AsArray() ?? new JsonArray()).Select(i => new RuleAt(g.Stack, g.LogicalId, i!))));
    }

    /// <summary>Each export's name and the value its stack gives it.</summary>
    private static Dictionary<string, JsonNode> Exports(Synthesized app) =>
        app.All.SelectMany(t => (t.Template["Outputs"]?.AsObject() ?? new JsonObject())
                .Where(o => o.Value?["Export"]?["Name"] is JsonValue && o.Value["Value"] is not null)
                .Select(o => (Name: o.Value!["Export"]!["Name"]!.GetValue<string>(), Value: o.Value["Value"]!)))
            .ToDictionary(e => e.Name, e => e.Value);

    private static IEnumerable<RuleAt> Egress(Synthesized app) =>
        app.Resources("AWS::EC2::SecurityGroupEgress").Select(r => new RuleAt(r.Stack, TargetOf(r.Resource["Properties"]!["GroupId"], r.LogicalId), r.Resource["Properties"]!))
            .Concat(app.Resources("AWS::EC2::SecurityGroup").SelectMany(g =>
                (g.Resource["Properties"]?["SecurityGroupEgress"]?.AsArray() ?? new JsonArray()).Select(e => new RuleAt(g.Stack, g.LogicalId, e!))));

    private static IEnumerable<RuleAt> NodeIngress(Synthesized app) =>
        Ingress(app).Where(i => i.Target.Contains("ControlPlaneGroup") || i.Target.Contains("WorkerGroup"));

    private static string TargetOf(JsonNode? groupId, string fallback) => Json.References(groupId).FirstOrDefault() ?? fallback;

    private static bool SourceIs(JsonNode rule, string group) =>
        Json.References(rule["SourceSecurityGroupId"]).Any(id => id.Contains(group));

    private static string Source(JsonNode rule) =>
        rule["CidrIp"]?.GetValue<string>() ?? rule["CidrIpv6"]?.GetValue<string>() ?? Json.References(rule["SourceSecurityGroupId"]).FirstOrDefault() ?? "?";

    private static int Port(JsonNode rule, string key) => rule[key] is JsonValue v ? v.GetValue<int>() : -1;

    private static bool Covers(JsonNode rule, int port) =>
        rule["IpProtocol"]?.ToString() == "-1" || (Port(rule, "FromPort") <= port && port <= Port(rule, "ToPort"));

    private static string Describe(JsonNode rule) => $"{rule["IpProtocol"]} {Port(rule, "FromPort")}-{Port(rule, "ToPort")}";

    private static IEnumerable<(string Stack, string Id, JsonObject Statement)> Statements(Synthesized app)
    {
        IEnumerable<JsonObject> In(JsonNode? document) =>
            (document?["Statement"]?.AsArray() ?? new JsonArray()).OfType<JsonObject>();
        foreach (var (stack, id, r) in app.Resources("AWS::IAM::Policy").Concat(app.Resources("AWS::IAM::ManagedPolicy")))
            foreach (var s in In(r["Properties"]?["PolicyDocument"])) yield return (stack, id, s);
        foreach (var (stack, id, r) in app.Resources("AWS::IAM::Role"))
            foreach (var p in r["Properties"]?["Policies"]?.AsArray() ?? new JsonArray())
                foreach (var s in In(p?["PolicyDocument"])) yield return (stack, id, s);
    }

    private sealed record RoleStatement(string Stack, string PolicyId, string Role, JsonObject Statement);

    /// <summary>Statements of the policies attached to roles that EC2 instances assume, with the role's logical ID.</summary>
    private static IEnumerable<RoleStatement> InstanceRoleStatements(Synthesized app)
    {
        var instanceRoles = app.Resources("AWS::IAM::Role")
            .Where(r => r.Resource["Properties"]?["AssumeRolePolicyDocument"]?.ToJsonString().Contains("ec2.amazonaws.com") == true)
            .Select(r => (r.Stack, r.LogicalId)).ToHashSet();
        foreach (var (stack, id, policy) in app.Resources("AWS::IAM::Policy"))
            foreach (var role in Json.References(policy["Properties"]?["Roles"]).Where(role => instanceRoles.Contains((stack, role))))
                foreach (var statement in (policy["Properties"]?["PolicyDocument"]?["Statement"]?.AsArray() ?? new JsonArray()).OfType<JsonObject>())
                    yield return new RoleStatement(stack, id, role, statement);
        foreach (var (stack, id, role) in app.Resources("AWS::IAM::Role").Where(r => instanceRoles.Contains((r.Stack, r.LogicalId))))
            foreach (var p in role["Properties"]?["Policies"]?.AsArray() ?? new JsonArray())
                foreach (var statement in (p?["PolicyDocument"]?["Statement"]?.AsArray() ?? new JsonArray()).OfType<JsonObject>())
                    yield return new RoleStatement(stack, id, id, statement);
    }

    /// <summary>"K8sLab-dev-Security" → "dev".</summary>
    private static string EnvironmentOf(string stack) => stack["K8sLab-".Length..stack.LastIndexOf('-')];

    /// <summary>An ARN of this stack's region, with an example account, for matching policy resources against.</summary>
    private static string SampleArn(Synthesized app, string stack, string service, string resource)
    {
        var region = Regex.Match(app.Texts[stack], @":(?:ssm|ec2):([a-z]{2}(?:-[a-z]+)+-\d):").Groups[1].Value;
        return $"arn:aws:{service}:{(region.Length > 0 ? region : "eu-west-1")}:123456789012:{resource}";
    }

    /// <summary>A policy resource as text, its references written ${ID} (Fn::Join of literals and Refs).</summary>
    private static IEnumerable<string> ArnTexts(JsonNode? node)
    {
        static string Text(JsonNode? part) => part switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonObject o when o["Ref"] is JsonValue r => "${" + r.GetValue<string>() + "}",
            JsonObject o when o["Fn::GetAtt"] is JsonArray a => "${" + string.Join('.', a.Select(x => x!.ToString())) + "}",
            JsonObject o when o["Fn::Join"] is JsonArray j => string.Join(j[0]!.GetValue<string>(), j[1]!.AsArray().Select(Text)),
            _ => "${?}",
        };
        return node is JsonArray a ? a.Select(Text) : node is null ? Array.Empty<string>() : new[] { Text(node) };
    }

    /// <summary>What each resource may match: IAM's * and ?, and a reference may be anything.</summary>
    private static IEnumerable<Regex> ArnPatterns(JsonNode? node) =>
        ArnTexts(node).Select(text => new Regex("^" + string.Concat(Regex.Split(text, @"(\$\{[^}]*\})")
            .Select(piece => piece.StartsWith("${", StringComparison.Ordinal) ? ".*" : IamWildcard(piece))) + "$"));

    private static string IamWildcard(string literal) => Regex.Escape(literal).Replace(@"\*", ".*").Replace(@"\?", ".");

    /// <summary>IAM's matching of an action or value pattern (* and ?, case-insensitive for actions).</summary>
    private static bool IamMatch(string pattern, string value) =>
        Regex.IsMatch(value, "^" + IamWildcard(pattern) + "$", RegexOptions.IgnoreCase);

    private static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => new[] { s },
        JsonArray a => a.SelectMany(Strings),
        _ => Array.Empty<string>(),
    };
}
