namespace Junction.Cli.Control;

/// <summary>
/// The control socket or the metrics listener could not be opened: another daemon answers on
/// the socket, the address is taken or not this host's, or the directory is not writable.
/// The message is one line for the user.
/// </summary>
public sealed class ListenFailedException(string message, Exception? inner = null) : Exception(message, inner);
