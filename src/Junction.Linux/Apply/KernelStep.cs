using Junction.Linux.Processes;

namespace Junction.Linux.Apply;

/// <summary>
/// One change and the single command that makes it; each command is atomic in the kernel.
/// <see cref="Batch"/>, when set, says how the same change is written as one line of a
/// command that makes several (see <see cref="KernelBatch"/>), so that neighbouring steps of
/// one kind share a process; <see cref="Run"/> still makes it alone (rollback does).
/// </summary>
internal sealed record KernelStep(Change Change, string Program, IReadOnlyList<string> Args, string? Stdin = null)
{
    public BatchLine? Batch { get; init; }

    public void Run(CommandRunner runner) => runner.Run(Program, Args, Stdin).Check();
}
