namespace K8sLab.Instances;

/// <summary>
/// Spot capacity for a node group, written into its launch template (<c>InstanceMarketOptions</c>):
/// a persistent request that stops the instance on interruption and starts it again when capacity
/// returns, so CloudFormation's instance stays the same instance (ID, volume, private address).
/// Groups without spot get nothing of it: their templates stay byte for byte what they were.
/// A persistent request outlives its instance and launches another once CloudFormation terminates
/// it: the convergence cancels the requests of the nodes it leaves behind, scripts/lab.sh destroy
/// those of the whole lab. The request carries the launch template's Name tag, which the bastion's
/// permission to cancel requires (Security/SecurityStack.cs).
/// </summary>
public static class SpotMarket
{
    /// <summary>
    /// A persistent request is valid until this date (EC2's default is 7 days after launch, after
    /// which an interrupted instance would not come back). Fixed, so the template does not change
    /// from one synth to the next.
    /// </summary>
    public const string ValidUntil = "2099-12-31T23:59:59Z";

    /// <summary>The launch-template data a spot group adds.</summary>
    public static IReadOnlyDictionary<string, object> LaunchTemplateData => new Dictionary<string, object>
    {
        ["InstanceMarketOptions"] = new Dictionary<string, object>
        {
            ["MarketType"] = "spot",
            ["SpotOptions"] = new Dictionary<string, object>
            {
                // persistent + stop: the only combination in which an interruption keeps the instance.
                ["SpotInstanceType"] = "persistent",
                ["InstanceInterruptionBehavior"] = "stop",
                ["ValidUntil"] = ValidUntil,
                // No MaxPrice: EC2 caps it at the on-demand price.
            },
        },
    };
}
