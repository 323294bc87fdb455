namespace Junction.Linux.Apply.Routing;

/// <summary>One rule or route to add (replace) or delete over rtnetlink.</summary>
internal sealed record RoutingRequest(IpRule? Rule, IpRoute? Route, bool Delete);
