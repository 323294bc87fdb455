using System.Diagnostics;
using Junction.Kernel.Tests.Daemon;
using Junction.Linux.Processes;
using Junction.Tests;

namespace Junction.Kernel.Tests.Packaging;

/// <summary>
/// The Debian package as a router gets it: packaging/build-deb builds it (lintian checks it
/// where installed), <c>dpkg -x</c> unpacks it into a temporary root, and from there, with no
/// <c>dotnet</c> reachable on PATH, the shipped conffile validates, every example plans, and
/// the unpacked daemon balances a namespace lab's connections. The lab itself is not in it.
/// </summary>
public sealed class DebianPackageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("jtp-deb-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_unpacked_package_validates_plans_and_balances_without_dotnet()
    {
        if (CommandRunner.Current.Run("sh", "-c", "command -v clang && command -v ld.lld && command -v dpkg-deb") is { Ok: false })
            Assert.Skip("clang, lld or dpkg-deb missing: ./setup.sh installs them");
        var build = CommandRunner.Current.Run(Repo.Path("packaging", "build-deb"), ["--out", Path.Combine(_dir, "out")], timeout: TimeSpan.FromMinutes(10));
        Assert.True(build.Ok, build.Stdout + build.Stderr);
        var deb = build.Stdout.Trim().Split('\n')[^1];
        Assert.EndsWith(".deb", deb);

        var fields = CommandRunner.Current.Check("dpkg-deb", "-f", deb, "Package", "Depends", "Architecture");
        Assert.Contains("Package: junction", fields);
        // At run time Junction needs the kernel and libnftables; nft, ip and conntrack are the lab's and a person's tools.
        Assert.Matches(@"(?m)^Depends: libc6 \(>= [0-9.]+\), libnftables1$", fields);
        Assert.DoesNotContain("dotnet", fields);
        Assert.Equal("/etc/junction/junction.yaml", CommandRunner.Current.Check("sh", "-c", $"dpkg-deb --ctrl-tarfile '{deb}' | tar -xO ./conffiles").Trim());

        var root = Path.Combine(_dir, "root");
        CommandRunner.Current.Check("dpkg-deb", "-x", deb, root);
        var junction = Path.Combine(root, "usr", "sbin", "junction");
        foreach (var shipped in new[] { "lib/systemd/system/junction.service", "usr/share/man/man8/junction.8.gz",
                     "usr/share/bash-completion/completions/junction", "usr/share/zsh/vendor-completions/_junction",
                     "usr/share/doc/junction/copyright", "usr/share/junction/grafana-dashboard.json" })
            Assert.True(File.Exists(Path.Combine(root, shipped)), $"{shipped} is not in the package");
        Assert.Contains("ExecStart=/usr/sbin/junction run -c /etc/junction/junction.yaml",
            File.ReadAllText(Path.Combine(root, "lib/systemd/system/junction.service")));
        // The man page and completion follow the command tree: every verb --help lists is in them.
        var man = CommandRunner.Current.Check("sh", "-c", $"gzip -dc '{root}/usr/share/man/man8/junction.8.gz'");
        var completion = File.ReadAllText(Path.Combine(root, "usr/share/bash-completion/completions/junction"));
        foreach (var verb in new[] { "validate", "plan", "apply", "flush", "run", "status", "explain", "install", "lab" })
        {
            Assert.Contains($".SS \"junction {verb}\"", man);
            Assert.Contains($"'{verb}')", completion);
        }
        // The lab is a program of the checkout (junction-lab): the package has only a pointer to it.
        Assert.DoesNotContain(".SS \"junction lab up\"", man);
        Assert.Empty(Directory.GetFiles(root, "junction-lab*", SearchOption.AllDirectories));

        // A PATH with the unpacked /usr/sbin and the kernel tools the daemon runs, and no dotnet.
        var tools = Path.Combine(_dir, "tools");
        Directory.CreateDirectory(tools);
        foreach (var tool in new[] { "nft", "ip", "conntrack", "sysctl", "sh" })
            File.CreateSymbolicLink(Path.Combine(tools, tool), CommandRunner.Current.Check("sh", "-c", $"command -v {tool}").Trim());
        var path = $"{Path.Combine(root, "usr", "sbin")}:{tools}";
        Assert.False(Run(path, "sh", "-c", "command -v dotnet").Ok, "dotnet is reachable on the test's PATH");
        Assert.Contains(junction, Run(path, "sh", "-c", "command -v junction").Stdout);

        var labDemo = Run(path, "junction", "lab", "demo");
        Assert.Equal(1, labDemo.ExitCode);
        Assert.Contains("./setup.sh && ./junction lab demo", labDemo.Stderr);

        var validate = Run(path, "junction", "validate", "-c", Path.Combine(root, "etc", "junction", "junction.yaml"));
        Assert.True(validate.Ok, validate.Stdout + validate.Stderr);
        var examples = Directory.GetFiles(Path.Combine(root, "usr", "share", "doc", "junction", "examples"), "*.yaml");
        Assert.Equal(Directory.GetFiles(Repo.Path("examples"), "*.yaml").Length, examples.Length);
        foreach (var example in examples)
        {
            var plan = Run(path, "junction", "plan", "-c", example);
            Assert.True(plan.Ok, $"{example}: {plan.Stdout}{plan.Stderr}");
            Assert.Contains("table inet junction", plan.Stdout);
        }

        await using var lab = DaemonLab.Start();
        lab.Program = [junction];
        lab.Environment["PATH"] = path;
        lab.Run([1, 1]);
        await lab.WaitBalancedOver(1, 2);
        Assert.Equal(new[] { 0, 20, 20 }, await lab.Connections(40));
        // status over the control socket: the JSON the native build serializes without reflection.
        var status = Run(path, "ip", "netns", "exec", lab.Topology.RouterNamespace, junction, "status", "--json", "--socket", lab.SocketPath);
        Assert.True(status.Ok, status.Stdout + status.Stderr + lab.Log);
        Assert.Contains("\"state\": \"up\"", status.Stdout);
        Assert.True(await lab.Stop() == 0, lab.Log);
    }

    /// <summary>Runs a program with exactly this PATH (and nothing of .NET's in the environment).</summary>
    private static CommandResult Run(string path, string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("DOTNET_", StringComparison.Ordinal) || k == "MSBuildExtensionsPath").ToList())
            psi.Environment.Remove(key);
        psi.Environment["PATH"] = path;
        // The program itself is looked up on the given PATH, not the test's.
        if (!program.Contains('/'))
            psi.FileName = path.Split(':').Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists) ?? program;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1))) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        return new CommandResult(string.Join(' ', [program, .. args]), process.ExitCode, stdout.Result, stderr.Result);
    }
}
