using Amazon.CDK;
using K8sLab.Configuration;

namespace K8sLab.Security;

/// <summary>
/// Refuses a deploy whose admin.cidr is a documentation range, before CloudFormation creates or
/// changes anything: a rule of the stack's template (CloudFormation checks rules before it touches a
/// resource) on a parameter that holds the file's value. The synth only warns (SynthSummary), so the
/// shipped files, which hold 203.0.113.10/32, synthesize offline.
/// </summary>
public static class AdminAddressGuard
{
    public const string ParameterId = "AdminCidr";
    public const string RuleId = "AdminCidrIsNotADocumentationRange";

    public static void Apply(Stack stack, LabConfig config)
    {
        if (config.Admin.DocumentationRangeProblem(config.SourceFile) is not { } problem) return;
        var cidr = config.Admin.Cidr.ToString();
        var parameter = new CfnParameter(stack, ParameterId, new CfnParameterProps
        {
            Type = "String", Default = cidr,
            Description = $"admin.cidr of {config.SourceFile}, checked by the rule {RuleId}: change the file, not this parameter",
        });
        _ = new CfnRule(stack, RuleId, new CfnRuleProps
        {
            Assertions = new ICfnRuleAssertion[]
            {
                new CfnRuleAssertion
                {
                    Assert = Fn.ConditionNot(Fn.ConditionContains(new[] { cidr }, parameter.ValueAsString)),
                    AssertDescription = problem + ", synthesize and deploy again",
                },
            },
        });
    }
}
