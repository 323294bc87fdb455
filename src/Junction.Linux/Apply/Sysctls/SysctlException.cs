using Junction.Linux.Interop;

namespace Junction.Linux.Apply.Sysctls;

/// <summary>A sysctl could not be read or written; names the key, as the user wrote it.</summary>
public sealed class SysctlException(string keys, string reason) : KernelCallException($"sysctl {keys}: {reason}")
{
    public string Keys { get; } = keys;
}
