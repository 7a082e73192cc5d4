using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Constructs;
using K8sLab.Cluster;
using K8sLab.Compliance;
using K8sLab.Configuration;
using K8sLab.Tagging;

namespace K8sLab.Security;

public sealed class SecurityStackProps : StackProps
{
    public required IVpc Vpc { get; init; }
    public required AdminAccess Admin { get; init; }
    public required string Environment { get; init; }
    /// <summary>The convergence request's SSM parameters (header and node parts) the bastion reads.</summary>
    public required IReadOnlyList<string> ConvergeRequestParameters { get; init; }
    /// <summary>The SSM parameter the bastion writes the admin kubeconfig to (write only).</summary>
    public required string KubeconfigParameter { get; init; }
    /// <summary>
    /// The Name tag (an IAM pattern) of the spot requests the nodes' launch templates make: the
    /// bastion may cancel those and no others.
    /// </summary>
    public required string SpotRequestNames { get; init; }
    /// <summary>Days the snapshot bucket keeps an etcd snapshot (snapshots.keepDays).</summary>
    public required int SnapshotKeepDays { get; init; }
}

/// <summary>
/// Security groups with the rules every cluster needs (<see cref="PortRules.Common"/>), the instances'
/// roles, the cluster's SSH key, and the bucket of the bastion's etcd snapshots. Nothing here depends on the network plugin: its rules are the
/// Nodes stack's, so that a plugin change the convergence refuses rolls back with them.
/// </summary>
public sealed class SecurityStack : Stack
{
    public IReadOnlyDictionary<SecurityGroupRole, SecurityGroup> Groups { get; }
    public Role BastionRole { get; }
    public CfnInstanceProfile BastionProfile { get; }
    public Role NodeRole { get; }
    public CfnInstanceProfile NodeProfile { get; }
    /// <summary>The etcd snapshots' bucket; only the bastion's role reads and writes it.</summary>
    public EtcdSnapshotBucket Snapshots { get; }

    /// <summary>The cluster key pair's name. ED25519; EC2 keeps the private half in SSM Parameter Store (/ec2/keypair/ID), nowhere else.</summary>
    public string ClusterKeyName { get; }

    public SecurityStack(Construct scope, string id, SecurityStackProps props) : base(scope, id, props)
    {
        Groups = new[] { SecurityGroupRole.Bastion, SecurityGroupRole.ControlPlane, SecurityGroupRole.Worker }.ToDictionary(role => role, role =>
            new SecurityGroup(this, $"{role}Group", new SecurityGroupProps
            {
                Vpc = props.Vpc,
                Description = $"K8sLab {props.Environment} {role}",
                AllowAllOutbound = true,
            }));

        var admin = Peer.Ipv4(props.Admin.Cidr.ToString());
        foreach (var rule in PortRules.Common)
        {
            var port = rule.Transport switch
            {
                Transport.Tcp => Port.TcpRange(rule.FromPort, rule.ToPort),
                Transport.Udp => Port.UdpRange(rule.FromPort, rule.ToPort),
                _ => Port.IcmpTypeAndCode(rule.FromPort, rule.ToPort),
            };
            IPeer from = rule.From == SecurityGroupRole.Admin ? admin : Groups[rule.From];
            Groups[rule.To].AddIngressRule(from, port, rule.Description);
        }

        var clusterKey = ClusterKey(props.Environment);
        ClusterKeyName = clusterKey.Ref;

        (BastionRole, BastionProfile) = RoleWithProfile("Bastion", "the bastion: Session Manager, the cluster key, node discovery");
        BastionRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = new[] { "ssm:DescribeParameters", "ssm:GetParameters", "ssm:GetParameter", "ssm:GetParameterHistory" },
            Resources = new[] { FormatArn(new ArnComponents
            {
                Service = "ssm",
                Resource = "parameter",
                ResourceName = "ec2/keypair/" + Token.AsString(clusterKey.GetAtt("KeyPairId")),
            }) },
        }));
        BastionRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "DiscoverKeyPairAndNodes",
            // Describe* calls of EC2 have no resource-level permissions: "*" is the only resource they take.
            Actions = new[] { "ec2:DescribeKeyPairs", "ec2:DescribeInstances", "ec2:DescribeSpotInstanceRequests" },
            Resources = new[] { "*" },
        }));

        BastionRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReadConvergeRequest",
            // The header and its node parts (converge-request-1, -2, ...), each by name: no wildcard.
            Actions = new[] { "ssm:GetParameter", "ssm:GetParameters" },
            Resources = props.ConvergeRequestParameters.Select(ParameterArn).ToArray(),
        }));

        BastionRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "StoreKubeconfig",
            // Write only, this one parameter: the bastion never reads it back (the user's own
            // credentials do, in scripts/kubeconfig.sh), and SecureString with the AWS managed key
            // needs no KMS permission here.
            Actions = new[] { "ssm:PutParameter" },
            Resources = new[] { ParameterArn(props.KubeconfigParameter) },
        }));

        BastionRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CancelSpotRequestsOfRemovedNodes",
            // A persistent request outlives its instance and launches another when CloudFormation
            // terminates it: the convergence cancels the requests of the nodes it removes. Only this
            // lab's requests: they carry the Name tag of the Nodes stack's launch templates.
            Actions = new[] { "ec2:CancelSpotInstanceRequests" },
            Resources = new[] { FormatArn(new ArnComponents { Service = "ec2", Resource = "spot-instances-request", ResourceName = "*" }) },
            Conditions = new Dictionary<string, object>
            {
                ["StringLike"] = new Dictionary<string, object> { ["aws:ResourceTag/Name"] = props.SpotRequestNames },
            },
        }));

        // Next to the role it grants: the bastion's, and no other.
        Snapshots = new EtcdSnapshotBucket(this, "SnapshotBucket", new EtcdSnapshotBucketProps { KeepDays = props.SnapshotKeepDays, Writer = BastionRole });

        (NodeRole, NodeProfile) = RoleWithProfile("Node", "Kubernetes nodes: Session Manager only");
    }

    /// <summary>
    /// A raw resource that no <c>Tags.Of</c> reaches: a key pair's Tags and KeyName are create-only
    /// and its name is fixed, so CloudFormation could never apply a changed tag (it cannot replace a
    /// resource with a fixed name), and a new key would replace every instance. It keeps the construct
    /// path, name and tags of CDK's KeyPair it replaced; Bootstrap/Scripts/fetch-cluster-key.sh finds it by
    /// its environment tag.
    /// </summary>
    private CfnResource ClusterKey(string environment)
    {
        var container = new Construct(this, "ClusterKey");
        return new CfnResource(container, "Resource", new CfnResourceProps
        {
            Type = "AWS::EC2::KeyPair",
            Properties = new Dictionary<string, object>
            {
                ["KeyFormat"] = "pem",
                ["KeyName"] = Names.UniqueResourceName(container, new UniqueResourceNameOptions { MaxLength = 255 }),
                ["KeyType"] = "ed25519",
                ["Tags"] = new object[]
                {
                    new Dictionary<string, object> { ["Key"] = LabTags.Environment, ["Value"] = environment },
                    new Dictionary<string, object> { ["Key"] = LabTags.ManagedBy, ["Value"] = LabTags.ManagedByValue },
                },
            },
        });
    }

    private string ParameterArn(string name) =>
        FormatArn(new ArnComponents { Service = "ssm", Resource = "parameter", ResourceName = name.TrimStart('/') });

    private (Role, CfnInstanceProfile) RoleWithProfile(string name, string purpose)
    {
        var role = new Role(this, $"{name}Role", new RoleProps
        {
            AssumedBy = new ServicePrincipal("ec2.amazonaws.com"),
            Description = $"K8sLab {purpose}",
        });
        // What the SSM agent needs for Session Manager, and no more. The managed policy
        // AmazonSSMManagedInstanceCore would also allow ssm:GetParameter on every parameter, the
        // cluster's private key included, to every node and to any pod on the host network.
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "SessionManagerChannels",
            // ssmmessages and ec2messages define no resource types: "*" is the only resource they take.
            Actions = SessionManagerActions,
            Resources = new[] { "*" },
        }));
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "SessionManagerRegistration",
            Actions = new[] { "ssm:UpdateInstanceInformation" },
            Resources = new[] { FormatArn(new ArnComponents { Service = "ec2", Resource = "instance", ResourceName = "*" }) },
        }));
        // The cdk-nag findings the lab accepts on these statements (Compliance/NagSuppressions.cs).
        NagSuppressions.Attach(role.Node.FindChild("DefaultPolicy").Node.DefaultChild, NagTarget.InstanceRolePolicy);
        // One profile per role, shared by every instance of it, so a node costs about one resource.
        var profile = new CfnInstanceProfile(this, $"{name}Profile", new CfnInstanceProfileProps { Roles = new[] { role.RoleName } });
        return (role, profile);
    }

    public static readonly string[] SessionManagerActions =
    {
        "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
        "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage",
        "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply",
    };
}
