using Junction.Linux.Processes;

namespace Junction.Linux.Apply;

/// <summary>One change and the single command that makes it; each command is atomic in the kernel.</summary>
internal sealed record KernelStep(Change Change, string Program, IReadOnlyList<string> Args, string? Stdin = null)
{
    public void Run(CommandRunner runner) => runner.Run(Program, Args, Stdin).Check();
}
