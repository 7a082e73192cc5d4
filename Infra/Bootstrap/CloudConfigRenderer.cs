using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.EventEmitters;
using YamlDotNet.Serialization.NamingConventions;

namespace K8sLab.Bootstrap;

/// <summary>Serializes a <see cref="CloudConfig"/> into a <c>#cloud-config</c> document.</summary>
public static class CloudConfigRenderer
{
    public const string Header = "#cloud-config";

    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull)
        .WithQuotingNecessaryStrings()
        .WithEventEmitter(next => new MultilineAsLiteral(next))
        .DisableAliases()
        .Build();

    public static UserDataDocument Render(CloudConfig config) =>
        new($"{Header}\n{Serializer.Serialize(config)}");

    /// <summary>Scripts and config files stay readable in the document (and in the console).</summary>
    private sealed class MultilineAsLiteral(IEventEmitter next) : ChainedEventEmitter(next)
    {
        public override void Emit(ScalarEventInfo eventInfo, IEmitter emitter)
        {
            if (eventInfo.Source.Value is string text && text.Contains('\n'))
                eventInfo.Style = ScalarStyle.Literal;
            base.Emit(eventInfo, emitter);
        }
    }
}
