using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Constructs;
using K8sLab.Configuration;

namespace K8sLab.Images;

/// <summary>Where the instances' image comes from: the seam tests replace to prove nothing resolves "latest".</summary>
public interface IMachineImageSource
{
    /// <summary>A one-line account of the image, for the synth summary.</summary>
    string Describe();

    IMachineImage ImageFor(Construct scope);
}

/// <summary>
/// The image pinned in the environment file. Never a lookup and never an SSM "latest" parameter:
/// either would replace every instance when Canonical publishes a new build, without a word in
/// <c>cdk diff</c>. Until a pin exists, stacks with instances get a parameter that cannot be
/// satisfied, so a deploy refuses before it creates anything while an offline synth still works.
/// </summary>
public sealed class PinnedImageSource(ImagePin image, string environment) : IMachineImageSource
{
    public const string UnpinnedParameterId = "MachineImageNotPinned";

    public string PinCommand => $"scripts/pin-image.sh {environment}";

    public string Describe() => image.IsPinned
        ? $"{image.AmiId}{(image.Name is null ? "" : $" ({image.Name})")}, pinned in environments/{environment}.yaml"
        : $"NOT PINNED: deploying the Bastion and Nodes stacks refuses until you run {PinCommand}";

    public IMachineImage ImageFor(Construct scope)
    {
        var stack = Stack.Of(scope);
        if (image.IsPinned)
            return MachineImage.GenericLinux(new Dictionary<string, string> { [stack.Region] = image.AmiId! });

        var parameter = stack.Node.TryFindChild(UnpinnedParameterId) as CfnParameter ?? new CfnParameter(stack, UnpinnedParameterId, new CfnParameterProps
        {
            Type = "String",
            Description = $"The machine image of environment {environment} is not pinned. Run {PinCommand}, then deploy again.",
            // No value can satisfy both: the deploy stops at the change set, before any resource.
            MinLength = 1,
            AllowedPattern = "^$",
            ConstraintDescription = $"pin the image with {PinCommand} instead of passing a value",
        });
        return MachineImage.GenericLinux(new Dictionary<string, string> { [stack.Region] = parameter.ValueAsString });
    }
}
