using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;
using Constructs;
using K8sLab.Compliance;
using K8sLab.Configuration;

namespace K8sLab.Security;

public sealed class EtcdSnapshotBucketProps
{
    /// <summary>Days an object stays (snapshots.keepDays): the lifecycle rule deletes it after, from 1 to <see cref="SnapshotSettings.MaxKeepDays"/>.</summary>
    public required int KeepDays { get; init; }
    /// <summary>The one role that reads and writes the snapshots: the bastion's.</summary>
    public required IRole Writer { get; init; }
}

/// <summary>
/// The lab's bucket of etcd snapshots, which the bastion takes (the cluster's state, its CA keys
/// among it: a secret). Private, encrypted (SSE-S3), reached over TLS only, one version of each
/// object, objects expiring after <see cref="EtcdSnapshotBucketProps.KeepDays"/>. CloudFormation names it
/// and deletes it with the stack: scripts/lab.sh destroy empties it first (CDK's autoDeleteObjects
/// would add a Lambda function to the lab for that).
/// </summary>
public sealed class EtcdSnapshotBucket : Construct
{
    public Bucket Bucket { get; }

    /// <summary>The bucket's name, as CloudFormation chose it (a token until deploy).</summary>
    public string BucketName => Bucket.BucketName;

    public EtcdSnapshotBucket(Construct scope, string id, EtcdSnapshotBucketProps props) : base(scope, id)
    {
        if (props.KeepDays is < 1 or > SnapshotSettings.MaxKeepDays)
            throw new ArgumentException($"EtcdSnapshotBucketProps.KeepDays: {props.KeepDays} is not a whole number of days from 1 to {SnapshotSettings.MaxKeepDays}");
        Bucket = new Bucket(this, "Bucket", new BucketProps
        {
            Encryption = BucketEncryption.S3_MANAGED,
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            EnforceSSL = true,
            // A snapshot is written once under a name of its own and never changed: versions would only
            // keep deleted snapshots past their lifecycle.
            Versioned = false,
            RemovalPolicy = RemovalPolicy.DESTROY,
            LifecycleRules = new ILifecycleRule[]
            {
                new LifecycleRule
                {
                    Id = "ExpireSnapshots",
                    Expiration = Duration.Days(props.KeepDays),
                    // An upload the bastion did not finish (it stopped, or the timer's run was cut short).
                    AbortIncompleteMultipartUploadAfter = Duration.Days(1),
                },
            },
        });
        NagSuppressions.Attach(Bucket.Node.DefaultChild, NagTarget.SnapshotBucket);

        // What bucket.GrantReadWrite allows, written out: the rule suite takes no wildcard action
        // (s3:GetObject*, s3:List* ...), and the bastion needs only these.
        props.Writer.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ListSnapshots",
            Actions = new[] { "s3:ListBucket" },
            Resources = new[] { Bucket.BucketArn },
        }));
        props.Writer.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReadWriteSnapshots",
            Actions = new[] { "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload" },
            Resources = new[] { Bucket.ArnForObjects("*") },
        }));
    }
}
