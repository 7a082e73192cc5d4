namespace K8sLab.Bootstrap;

/// <summary>The seam between what an instance should become and the CDK wiring that boots it.</summary>
public interface IBootstrapRenderer
{
    UserDataDocument RenderNode(NodeSpec node);
    UserDataDocument RenderBastion(BastionSpec bastion);
    UserDataDocument RenderNatInstance();
}
