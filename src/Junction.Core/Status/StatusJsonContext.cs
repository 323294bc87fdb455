using System.Text.Json.Serialization;
using Junction.Explain;

namespace Junction.Status;

/// <summary>
/// Source-generated JSON metadata for every type that crosses the control socket, so the
/// native (trimmed, AOT) build serializes without reflection. A new answer type needs its
/// line here; <see cref="StatusJson"/> adds the converters.
/// </summary>
[JsonSerializable(typeof(StatusReport))]
[JsonSerializable(typeof(Explanation))]
[JsonSerializable(typeof(ErrorAnswer))]
[JsonSerializable(typeof(OperatorReply))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;

/// <summary>What the control socket answers when a request is wrong: <c>{"error": "..."}</c>.</summary>
public sealed record ErrorAnswer(string Error);

/// <summary>The answer to an operator's request: the uplink, its override before and now, in words.</summary>
public sealed record OperatorReply(string Uplink, string Previous, string Mode, string Message);
