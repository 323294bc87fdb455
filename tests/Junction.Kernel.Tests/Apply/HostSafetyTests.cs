using Junction.Planning.Nftables;
using System.Text.Json;
using Junction.Kernel.Tests.Support;
using Junction.Linux.Apply;
using Junction.Planning;

namespace Junction.Kernel.Tests.Apply;

/// <summary>
/// Issue 11, defects 1, 2 and 5 against the real kernel: Junction never deletes a route or
/// rule it does not own (the kernel's main and local tables, its default rules), no
/// interface name reaches nftables as syntax, and a process killed part-way through an
/// apply leaves nothing that the next apply or flush cannot find.
/// </summary>
public sealed class HostSafetyTests
{
    private const string LowTableBase = """
        lan: [lan0]
        table-base: 100
        uplinks:
          - { name: isp1, interface: wan1, gateway: 10.11.0.1 }
          - { name: isp2, interface: wan2, gateway: 10.12.0.1, gateway6: 2001:db8:12::1 }
        """;

    /// <summary>The kernel's own state Junction must never touch: main and local tables, default rules.</summary>
    /// IPv6 forwarding (which apply turns on) makes the kernel add subnet-router anycast routes: those are left out.
    private static string HostState(TestNamespace ns) => string.Join("\n## ",
        ns.Run("ip", "-4", "route", "show", "table", "main"), ns.Run("ip", "-4", "route", "show", "table", "local"),
        ns.Run("ip", "-6", "route", "show", "table", "main"),
        string.Join('\n', ns.Run("ip", "-6", "route", "show", "table", "local").Split('\n').Where(l => !l.StartsWith("anycast "))),
        string.Join('\n', ns.Run("ip", "-4", "rule").Split('\n').Where(l => l.StartsWith("0:") || l.StartsWith("3276"))),
        string.Join('\n', ns.Run("ip", "-6", "rule").Split('\n').Where(l => l.StartsWith("0:") || l.StartsWith("3276"))));

    [Fact]
    public void A_low_table_base_owns_only_its_uplinks_tables_so_main_and_local_survive_apply_and_flush()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var host = HostState(ns);
        Assert.Contains("10.11.0.0/24 dev wan1", host);
        var applier = new KernelApplier(ns.Runner);
        var plan = Configs.Plan(LowTableBase);

        applier.Apply(plan);

        Assert.Equal(host, HostState(ns));
        Assert.Equal("100-101", applier.InstalledOwnership()!.Tables.ToString());
        Assert.Contains("default via 10.11.0.1 dev wan1", ns.Run("ip", "route", "show", "table", "100"));
        Assert.True(applier.Apply(plan).NoChanges);
        applier.Flush();
        Assert.Equal(host, HostState(ns));
    }

    [Fact]
    public void A_record_that_names_the_kernels_tables_and_rules_never_costs_them_a_route()
    {
        // What an older Junction wrote for 'table-base: 100': every table up to 354, and a
        // record forged to claim every priority. Flush trusts the record, but not that far.
        using var ns = TestNamespace.Create().Uplinks();
        var host = HostState(ns);
        ns.Runner.Run("nft", ["-f", "-"],
            "table inet junction { comment \"junction: mark-mask=0x00ff0000 tables=0-400 priorities=0-40000 plan=0123456789abcdef\"; }\n").Check();
        var applier = new KernelApplier(ns.Runner);

        var result = applier.Flush();

        Assert.DoesNotContain(result.Changes, c => c.Subject is ChangeSubject.Route or ChangeSubject.Rule);
        Assert.Equal(host, HostState(ns));
        Assert.Equal("", ns.Run("nft", "list", "ruleset"));
    }

    [Fact]
    public void A_configuration_whose_tables_meet_the_kernels_is_refused_by_apply_and_changes_nothing()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var before = KernelState.Of(ns.Runner);
        using var dir = new TempDir();
        var config = dir.Write("junction.yaml", """
            table-base: 200
            uplinks:
              - { name: isp1, interface: wan1, gateway: 10.11.0.1 }
              - { name: isp2, interface: wan2, gateway: 10.12.0.1, id: 60 }
            """);

        var result = JunctionCli.Run(ns, "apply", "-c", config);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("table-base: Junction would own routing tables 200-259", result.Stderr);
        Assert.Contains("main (254)", result.Stderr);
        Assert.Equal(before.ToString(), KernelState.Of(ns.Runner).ToString());
    }

    [Fact]
    public void The_issues_injection_through_a_lan_name_is_refused_and_no_rule_is_installed()
    {
        using var ns = TestNamespace.Create().Uplinks();
        using var dir = new TempDir();
        var config = dir.Write("junction.yaml", """
            lan: ['a"}accept;drop#']
            uplinks:
              - { name: isp1, interface: wan1, gateway: 10.11.0.1 }
            """);

        var result = JunctionCli.Run(ns, "apply", "-c", config);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("1:7: lan: 'a\"}accept;drop#' is not a valid Linux interface name: it contains '\"'", result.Stderr);
        Assert.Equal("", ns.Run("nft", "list", "ruleset"));
    }

    [Fact]
    public void Legal_but_odd_interface_names_are_applied_and_matched_exactly()
    {
        // Every one is a name the kernel accepts and Junction's validation lets through.
        string[] odd = ["w-1.5", "w@n+2", "w;}{$x", "w,!~"];
        using var ns = TestNamespace.Create();
        foreach (var (name, i) in odd.Select((n, i) => (n, i)))
            ns.Interface(name, $"10.{50 + i}.0.2/24");
        ns.Interface("lan0", "192.168.1.1/24");
        var yaml = "lan: [lan0, 'l{}@;+']\nuplinks:\n" + string.Concat(odd.Select((n, i) =>
            $"  - {{ name: u{i}, interface: '{n}', gateway: 10.{50 + i}.0.1, snat: {{ addresses: [10.{50 + i}.0.2] }} }}\n"));
        var plan = Configs.Plan(yaml);

        Assert.True(ns.Runner.Run("nft", ["-c", "-f", "-"], NftText.ReplaceScript(plan.Nft)).Ok);
        new KernelApplier(ns.Runner).Apply(plan);

        // Read back as data: every interface name nft holds is one of ours, whole.
        using var listing = JsonDocument.Parse(ns.Run("nft", "-j", "list", "table", "inet", "junction"));
        var strings = Strings(listing.RootElement).ToHashSet();
        Assert.All(odd.Append("l{}@;+"), n => Assert.Contains(n, strings));
        Assert.Contains("default via 10.51.0.1 dev w@n+2", ns.Run("ip", "route", "show", "table", "1001"));
        Assert.Equal("2", ns.Run("sysctl", "-n", "net.ipv4.conf.w-1/5.rp_filter").Trim());
    }

    [Fact]
    public void Hostile_strings_quoted_by_the_helper_reach_nft_as_one_exact_string()
    {
        string[] hostile = ["a;}drop#", "x\n}\ntable ip e", "$(id)`id`", "{ } ; # //", "a\\b", "w*", "tab\there", "\x1b[2J"];
        using var ns = TestNamespace.Create();
        var rules = string.Concat(hostile.Select(s => $"\t\tiifname {NftQuote.String(s)} accept\n"));
        ns.Runner.Run("nft", ["-f", "-"], $"table inet quoting {{\n\tchain c {{\n\t\ttype filter hook prerouting priority 0;\n{rules}\t}}\n}}\n").Check();

        using var listing = JsonDocument.Parse(ns.Run("nft", "-j", "list", "chain", "inet", "quoting", "c"));
        var matched = listing.RootElement.GetProperty("nftables").EnumerateArray()
            .Where(e => e.TryGetProperty("rule", out _))
            .Select(e => e.GetProperty("rule").GetProperty("expr")[0].GetProperty("match").GetProperty("right").GetString())
            .ToList();
        // One rule per string, in order, each matching the whole string (a '*' is literal, not a wildcard).
        Assert.Equal(hostile.Select(s => s.EndsWith('*') ? s[..^1] + "\\*" : s), matched);
        Assert.Single(ns.Run("nft", "list", "tables").Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private const string MovedRanges = """
        lan: [lan0]
        bypass: [10.0.0.0/8]
        rule-priority: 2000
        table-base: 3000
        uplinks:
          - { name: isp1, interface: wan1, gateway: 10.11.0.1, weight: 1 }
          - { name: isp2, interface: wan2, gateway: 10.12.0.1, gateway6: 2001:db8:12::1, weight: 2 }
        """;

    /// <summary>
    /// kill -9 between any two steps of an apply that moves rule-priority and table-base:
    /// the steps of the real apply run one by one up to the crash, then stop.
    /// </summary>
    [Fact]
    public void A_crash_at_any_step_of_an_apply_that_moves_the_ranges_leaves_nothing_flush_misses()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var pristine = KernelState.Of(ns.Runner);
        var sysctls = KernelState.Sysctls(ns.Runner, Configs.SysctlKeys);
        var applier = new KernelApplier(ns.Runner);
        var old = Configs.Plan(Configs.TwoUplinks);
        var moved = Configs.Plan(MovedRanges);
        var steps = StepsFrom(applier, old, moved);
        Assert.True(steps >= 6, $"only {steps} steps");

        for (var crashAfter = 0; crashAfter <= steps; crashAfter++)
        {
            applier.Apply(old);
            Crash(applier, moved, crashAfter);

            applier.Flush();

            // Flush leaves sysctls by design; put them back before comparing.
            ns.Runner.Run("sysctl", ["-q", "-w", .. sysctls.Select(kv => $"{kv.Key}={kv.Value}")]).Check();
            Assert.True(pristine.ToString() == KernelState.Of(ns.Runner).ToString(),
                $"after a crash at step {crashAfter} of {steps}, flush left:\n{KernelState.Of(ns.Runner)}");
        }
    }

    [Fact]
    public void After_a_crash_at_any_step_the_next_apply_sees_the_leftovers_and_removes_them()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var applier = new KernelApplier(ns.Runner);
        var old = Configs.Plan(Configs.TwoUplinks);
        var moved = Configs.Plan(MovedRanges);
        applier.Apply(moved);
        var target = KernelState.Of(ns.Runner);
        applier.Flush();
        var steps = StepsFrom(applier, old, moved);

        for (var crashAfter = 0; crashAfter < steps; crashAfter++)
        {
            applier.Apply(old);
            Crash(applier, moved, crashAfter);

            var dry = applier.Apply(moved, dryRun: true);
            var real = applier.Apply(moved);

            Assert.False(dry.NoChanges, $"crash at step {crashAfter}: the dry run saw nothing to do");
            Assert.Equal(dry.Changes, real.Changes);
            Assert.True(target.ToString() == KernelState.Of(ns.Runner).ToString(),
                $"after a crash at step {crashAfter} of {steps}, the next apply left:\n{KernelState.Of(ns.Runner)}");
            Assert.Equal(Ownership.For(moved), applier.InstalledOwnership());
            Assert.True(applier.Apply(moved).NoChanges);
        }
    }

    [Fact]
    public void While_the_ranges_move_the_record_covers_old_and_new_and_is_narrowed_last()
    {
        using var ns = TestNamespace.Create().Uplinks();
        var applier = new KernelApplier(ns.Runner);
        applier.Apply(Configs.Plan(Configs.TwoUplinks));
        var moved = Configs.Plan(MovedRanges);

        var (_, steps, _) = applier.Prepare(moved);
        steps[0].Run(applier.Io);

        var wide = applier.InstalledOwnership()!;
        Assert.Equal("1000-1001,3000-3001", wide.Tables.ToString());
        Assert.Equal("1000-1002,2000-2002", wide.Priorities.ToString());
        Assert.Equal(ChangeSubject.Nftables, steps[^1].Change.Subject);
        Assert.Contains("ownership narrowed", steps[^1].Change.Description);
    }

    /// <summary>How many steps the apply from <paramref name="from"/> to <paramref name="to"/> takes (the kernel is left empty).</summary>
    private static int StepsFrom(KernelApplier applier, DesiredState from, DesiredState to)
    {
        applier.Apply(from);
        var n = applier.Prepare(to).Steps.Count;
        applier.Flush();
        return n;
    }

    /// <summary>Runs the first <paramref name="steps"/> steps of applying <paramref name="plan"/>, each alone, and stops there.</summary>
    private static void Crash(KernelApplier applier, DesiredState plan, int steps)
    {
        foreach (var step in applier.Prepare(plan).Steps.Take(steps))
            step.Run(applier.Io);
    }

    private static IEnumerable<string> Strings(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => [e.GetString()!],
        JsonValueKind.Array => e.EnumerateArray().SelectMany(Strings),
        JsonValueKind.Object => e.EnumerateObject().SelectMany(p => Strings(p.Value)),
        _ => [],
    };
}
