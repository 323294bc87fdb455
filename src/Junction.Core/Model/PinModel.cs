using System.Net;

namespace Junction.Model;

/// <summary>New connections matching every given field always use <see cref="Via"/>.</summary>
public sealed record PinModel(
    IPNetwork? To,
    IPNetwork? From,
    string? Protocol,
    int? PortFirst,
    int? PortLast,
    string Via);
