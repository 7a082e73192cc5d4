using Amazon.CDK;
using Constructs;

namespace K8sLab.Compliance;

/// <summary>The resources a cdk-nag suppression is written on, named for what they are in the lab.</summary>
public enum NagTarget
{
    /// <summary>Every EC2 instance: the bastion, the nodes, a NAT instance.</summary>
    Instance,
    /// <summary>The instances with a public address: the bastion and a NAT instance.</summary>
    PublicInstance,
    /// <summary>The public subnets' default routes to the internet gateway.</summary>
    PublicRoute,
    Vpc,
    FlowLogGroup,
    FlowLogRolePolicy,
    /// <summary>The policies of the bastion's and the nodes' roles.</summary>
    InstanceRolePolicy,
    /// <summary>The Lambda function behind CDK's RestrictDefaultSecurityGroup.</summary>
    DefaultSecurityGroupHandler,
    DefaultSecurityGroupHandlerRole,
    /// <summary>The bucket of the bastion's etcd snapshots (Security stack).</summary>
    SnapshotBucket,
}

/// <summary>
/// One accepted cdk-nag finding: the rule, where it is accepted, and why. <see cref="Findings"/>
/// narrows a granular rule (IAM4, IAM5) to exactly these findings, each literal or a /regex/ as
/// cdk-nag reads it; empty, the whole rule is accepted on those resources.
/// </summary>
public sealed record NagSuppression(string Rule, NagTarget[] On, string Reason)
{
    public IReadOnlyList<string> Findings { get; init; } = Array.Empty<string>();
}

/// <summary>
/// The cdk-nag findings (AwsSolutions, NIST 800-53 R5) the lab accepts, written once. The app puts
/// each entry into the cdk_nag metadata of the resources it names (or, for the Nodes stack's
/// instances, of the stack's template), where cdk-nag reads it
/// (scripts/nag.js); SECURITY.md shows the same table, and a test keeps the two equal. Everything
/// else the packs report is an error to fix, not to add here.
/// </summary>
public static class NagSuppressions
{
    // The entries on every instance are short: the bastion and a NAT instance carry them on the resource;
    // the Nodes stack carries them once, in its template's Metadata (AttachToStack), not once a node.
    public static readonly IReadOnlyList<NagSuppression> All = new NagSuppression[]
    {
        new("AwsSolutions-EC28", new[] { NagTarget.Instance },
            "Nothing alarms or scales on EC2 metrics; 1-minute ones cost 2.10 USD a month per instance."),
        new("AwsSolutions-EC29", new[] { NagTarget.Instance },
            "Replacing an instance or cdk destroy terminates it; termination protection would fail both."),
        new("NIST.800.53.R5-EC2InstancesInVPC", new[] { NagTarget.Instance },
            "In a VPC subnet set on NetworkInterfaces[0]; the rule reads only the top-level SubnetId."),
        new("NIST.800.53.R5-EC2InstanceNoPublicIp", new[] { NagTarget.PublicInstance },
            "The bastion is the lab's one entry point (SSH from admin.cidr only, or Session Manager) and a NAT instance is the private subnets' way out: both need a public IPv4 address. The nodes have none (No_public_ip_on_any_node)."),
        new("NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW", new[] { NagTarget.PublicRoute },
            "A default route to the internet gateway is what makes a subnet public. Only the bastion and the NAT live in the public subnets; the nodes' subnets route through the NAT."),
        new("NIST.800.53.R5-VPCDefaultSecurityGroupClosed", new[] { NagTarget.Vpc },
            "CDK's RestrictDefaultSecurityGroup custom resource in the same template removes the default security group's rules. The rule recognizes only the CDK construct, which a check of the synthesized template does not see; the rule suite checks the custom resource (The_default_security_group_is_closed)."),
        new("AwsSolutions-IAM5", new[] { NagTarget.InstanceRolePolicy },
            "Only where AWS offers no narrower resource: ec2:DescribeKeyPairs, ec2:DescribeInstances and ec2:DescribeSpotInstanceRequests (the bastion's discovery) and the Session Manager agent's ssmmessages and ec2messages actions take only the wildcard resource; ssm:UpdateInstanceInformation is limited to this account's instances in the region, since the instances come later, in other stacks, with a new ID at every replacement. The rule suite allows the wildcard for exactly these actions (Iam_without_wildcard_actions_and_star_resources_only_where_unavoidable). ec2:CancelSpotInstanceRequests names the spot requests of the account's region, which get their IDs from EC2 at each launch, and a condition narrows them to the requests tagged with the lab's Nodes stack (Spot_requests_cancelled_only_in_their_environment). The bastion reads and writes the objects of the lab's snapshot bucket (bucket ARN/*): the snapshots get names of their own at each run.")
        {
            // cdk.json's @aws-cdk/core:enablePartitionLiterals writes the partition of the region (arn:aws...).
            Findings = new[]
            {
                "Resource::*", @"/^Resource::arn:aws[a-z-]*:ec2:[a-z0-9-]+:<AWS::AccountId>:instance\/\*$/",
                @"/^Resource::arn:aws[a-z-]*:ec2:[a-z0-9-]+:<AWS::AccountId>:spot-instances-request\/\*$/",
                @"/^Resource::<SnapshotBucket[A-Za-z0-9]+\.Arn>\/\*$/",
            },
        },
        new("NIST.800.53.R5-IAMNoInlinePolicy", new[] { NagTarget.InstanceRolePolicy, NagTarget.FlowLogRolePolicy, NagTarget.DefaultSecurityGroupHandlerRole },
            "Each of these policies belongs to exactly one role and grants what that role's purpose needs, so it is created and deleted with the role. A managed policy would add a resource that could be attached elsewhere and gain nothing; AWS's IAM guidance keeps inline policies for such one-to-one cases."),
        new("NIST.800.53.R5-CloudWatchLogGroupEncrypted", new[] { NagTarget.FlowLogGroup },
            "The group holds rejected-traffic records (addresses and ports, no payload), encrypted at rest by CloudWatch Logs with its own key. A customer-managed KMS key would cost 1 USD a month and, like the group, have to outlive the lab (the group is kept after a destroy for a post-mortem)."),
        new("AwsSolutions-IAM4", new[] { NagTarget.DefaultSecurityGroupHandlerRole },
            "CDK's handler role carries AWSLambdaBasicExecutionRole, which only lets the function write its own logs. It is the lab's one AWS managed policy and is on no instance role (Instance_roles_carry_no_managed_policy).")
        {
            Findings = new[] { "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" },
        },
        new("AwsSolutions-L1", new[] { NagTarget.DefaultSecurityGroupHandler },
            "The handler is CDK's code, from Amazon.CDK.Lib 2.160.0, not the lab's. L1 asks for the newest runtime aws-cdk-lib knows (nodejs24.x), which that code was not released for; whether its runtime can still be created is a separate question (cfn-lint knows Lambda's runtime schedule), apart from this rule."),
        new("NIST.800.53.R5-LambdaConcurrency", new[] { NagTarget.DefaultSecurityGroupHandler },
            "CloudFormation alone invokes it, when it creates, updates or deletes the custom resource that closes the default security group. Reserved concurrency would take from the account's pool, and Lambda refuses a reservation that leaves less unreserved concurrency than its minimum, which accounts with a low limit cannot spare: the first deploy could fail on it."),
        new("NIST.800.53.R5-LambdaDLQ", new[] { NagTarget.DefaultSecurityGroupHandler },
            "CloudFormation is its only caller and waits for its answer: a failed run fails the deploy that started it, which is where it is seen. A dead-letter queue would hold events nobody reads."),
        new("NIST.800.53.R5-LambdaInsideVPC", new[] { NagTarget.DefaultSecurityGroupHandler },
            "It calls only the EC2 API (to revoke the default security group's rules), accepts no connections and holds no data. Inside the VPC it would reach that API only through the NAT of the same stack."),
        new("AwsSolutions-S1", new[] { NagTarget.SnapshotBucket },
            "Server access logs would need a second bucket that outlives the lab; of the lab's roles only the bastion's is granted this one, and CloudTrail's event history records changes to the bucket itself."),
        new("NIST.800.53.R5-S3BucketLoggingEnabled", new[] { NagTarget.SnapshotBucket },
            "As AwsSolutions-S1: server access logs would need a second bucket that outlives the lab; of the lab's roles only the bastion's is granted this one."),
        new("NIST.800.53.R5-S3BucketReplicationEnabled", new[] { NagTarget.SnapshotBucket },
            "The snapshots are a lab's short-lived restore points (snapshots.keepDays), destroyed with it; a replica in another region would double the copies of the cluster's secrets for no use."),
        new("NIST.800.53.R5-S3BucketVersioningEnabled", new[] { NagTarget.SnapshotBucket },
            "Each snapshot is written once under a name of its own and never overwritten; versions would keep expired snapshots (the cluster's secrets) past snapshots.keepDays."),
        new("NIST.800.53.R5-S3DefaultEncryptionKMS", new[] { NagTarget.SnapshotBucket },
            "Encrypted at rest with S3's own keys (SSE-S3); a customer-managed KMS key would cost 1 USD a month and outlive the lab; of the lab's roles only the bastion's may read the objects."),
    };

    /// <summary>What <paramref name="target"/> is, in words (SECURITY.md's "on" column).</summary>
    public static string Describe(NagTarget target) => target switch
    {
        NagTarget.Instance => "every EC2 instance (bastion, nodes, NAT instance)",
        NagTarget.PublicInstance => "the bastion and the NAT instance",
        NagTarget.PublicRoute => "the public subnets' default routes",
        NagTarget.Vpc => "the VPC",
        NagTarget.FlowLogGroup => "the flow-log group",
        NagTarget.FlowLogRolePolicy => "the flow-log role's policy",
        NagTarget.InstanceRolePolicy => "the bastion's and the nodes' role policies",
        NagTarget.DefaultSecurityGroupHandler => "CDK's default-security-group handler (Lambda)",
        NagTarget.DefaultSecurityGroupHandlerRole => "the role of CDK's default-security-group handler",
        NagTarget.SnapshotBucket => "the etcd snapshot bucket",
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, null),
    };

    // One metadata value per combination of targets, built once: a 400-node stack attaches it 400 times.
    private static readonly Dictionary<string, object> Metadata = new();

    /// <summary>
    /// Writes the suppressions for <paramref name="targets"/> into the resource's cdk_nag metadata:
    /// one call into CDK per resource, made where the resource is made (no Aspect walking the tree).
    /// </summary>
    public static void Attach(IConstruct? resource, params NagTarget[] targets)
    {
        if (resource is not CfnResource cfn)
            throw new ArgumentException($"NagSuppressions.Attach: {resource?.Node.Path ?? "(missing construct)"} is not a CloudFormation resource ({string.Join(", ", targets)})");
        cfn.AddMetadata("cdk_nag", MetadataFor(targets));
    }

    /// <summary>
    /// Writes the suppressions for <paramref name="targets"/> once into the stack's template Metadata,
    /// where cdk-nag applies them to every resource of the stack (as its addStackSuppressions does):
    /// for a stack of many instances, whose per-resource copies would cost about 0.6 KB a node.
    /// Only for targets that are all the stack holds of their kind (the Nodes stack's instances).
    /// </summary>
    public static void AttachToStack(Stack stack, params NagTarget[] targets)
    {
        var metadata = stack.TemplateOptions.Metadata ?? new Dictionary<string, object>();
        metadata["cdk_nag"] = MetadataFor(targets);
        stack.TemplateOptions.Metadata = metadata;
    }

    /// <summary>The cdk_nag metadata value: {"rules_to_suppress": [{"id", "reason", "applies_to"?}, ...]}.</summary>
    public static object MetadataFor(params NagTarget[] targets)
    {
        var key = string.Join(",", targets.Distinct().Order());
        if (Metadata.TryGetValue(key, out var cached)) return cached;
        var rules = All.Where(s => s.On.Intersect(targets).Any()).Select(s =>
        {
            var entry = new Dictionary<string, object> { ["id"] = s.Rule, ["reason"] = s.Reason };
            if (s.Findings.Count > 0)
                entry["applies_to"] = s.Findings.Select(f => IsRegex(f) ? new Dictionary<string, object> { ["regex"] = f } : (object)f).ToArray();
            return (object)entry;
        }).ToArray();
        return Metadata[key] = new Dictionary<string, object> { ["rules_to_suppress"] = rules };
    }

    private static bool IsRegex(string finding) => finding.Length > 2 && finding[0] == '/' && finding.LastIndexOf('/') > 0;
}
