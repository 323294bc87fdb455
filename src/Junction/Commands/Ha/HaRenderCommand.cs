using System.CommandLine;
using System.Net;
using System.Text.Json.Nodes;
using Junction.Ha;

namespace Junction.Cli.Commands.Ha;

/// <summary>
/// <c>junction ha render</c>: keepalived.conf, conntrackd.conf and the notify script that match
/// a Junction file, for one router of the pair. Prints them, or writes them with --output.
/// </summary>
internal static class HaRenderCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config();
        var routerId = new Option<string>("--router-id") { Description = "This router's name in keepalived's logs (router_id). Default: the host name.", HelpName = "NAME" };
        var priority = new Option<int>("--priority") { Description = "VRRP priority 1-254; the higher router is master while both are healthy. Keep the two within --track-weight of each other, e.g. 250 and 240 (high priorities shorten VRRP's skew time, so the takeover).", Required = true, HelpName = "N" };
        var vrid = new Option<int>("--vrid") { Description = $"VRRP virtual router id, the same on both routers and unique on the LAN. Default: {HaRenderOptions.DefaultVirtualRouterId}.", DefaultValueFactory = _ => HaRenderOptions.DefaultVirtualRouterId, HelpName = "ID" };
        var lanVip = new Option<string>("--lan-vip") { Description = "The clients' gateway as ADDRESS/PREFIX (e.g. 10.9.0.1/24), on the first 'lan' interface.", Required = true, HelpName = "ADDR/LEN" };
        var syncInterface = new Option<string>("--sync-interface") { Description = "The dedicated link between the two routers that conntrackd replicates over.", Required = true, HelpName = "IFACE" };
        var syncAddress = new Option<string>("--sync-address") { Description = "This router's IPv4 address on the sync link.", Required = true, HelpName = "ADDR" };
        var peer = new Option<string>("--peer") { Description = "The other router's IPv4 address on the sync link.", Required = true, HelpName = "ADDR" };
        var weight = new Option<int>("--track-weight") { Description = $"Priority lost per unhealthy uplink (from Junction's health file). Default: {HaRenderOptions.DefaultTrackWeight}.", DefaultValueFactory = _ => HaRenderOptions.DefaultTrackWeight, HelpName = "N" };
        var advert = new Option<int>("--advert-ms") { Description = "VRRP advertisement interval in ms (10-40000, steps of 10). Takeover follows in about 3 intervals. Default: 100.", DefaultValueFactory = _ => 100, HelpName = "MS" };
        var noPreempt = new Option<bool>("--no-preempt") { Description = "A router that becomes healthy again does not take the addresses back from a healthy peer." };
        var preemptDelay = new Option<double>("--preempt-delay") { Description = $"keepalived's preempt_delay in seconds (0-1000): it delays every preemption, also the takeover from a master whose uplinks died, so the default is {HaRenderOptions.DefaultPreemptDelay.TotalSeconds}; a returning router waits for conntrackd through Junction's 'ha.hold-after-start' instead.", DefaultValueFactory = _ => HaRenderOptions.DefaultPreemptDelay.TotalSeconds, HelpName = "S" };
        preemptDelay.Seconds(0, 1000);
        var configDir = new Option<string>("--config-dir") { Description = $"Where the three files will live (the notify script names conntrackd.conf by this path). Default: {HaRenderOptions.DefaultConfigDirectory}, or --output.", HelpName = "DIR" };
        var output = new Option<string>("--output", "-o") { Description = "Write keepalived.conf, conntrackd.conf and notify.sh (mode 0755) into DIR instead of printing them.", HelpName = "DIR" };
        var json = CommonOptions.Json();
        var command = new Command("render",
            "Print the keepalived and conntrackd configuration and keepalived's notify script for one router of a pair, " +
            "from the Junction file both routers share: one VRRP instance on the LAN moves the clients' gateway and every " +
            "uplink's SNAT address (snat.addresses, the uplink's virtual address); Junction's health file lowers the " +
            "priority per unhealthy uplink; conntrackd replicates over the sync link in FTFW mode and commits on takeover. " +
            "Run keepalived -f DIR/keepalived.conf and conntrackd -C DIR/conntrackd.conf -d.")
        {
            config, routerId, priority, vrid, lanVip, syncInterface, syncAddress, peer, weight, advert, noPreempt, preemptDelay, configDir, output, json,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(config)!;
            var asJson = parse.GetValue(json);
            if (ConfigReport.Load(path, Console.Error, jsonVerb: asJson ? "ha render" : null) is not { } model) return ExitCodes.Failed;
            var errors = new List<string>();
            var (vip, prefix) = AddressWithPrefix(parse.GetValue(lanVip)!, "--lan-vip", errors);
            var sync = Address(parse.GetValue(syncAddress)!, "--sync-address", errors);
            var other = Address(parse.GetValue(peer)!, "--peer", errors);
            var outDir = parse.GetValue(output);
            var options = new HaRenderOptions
            {
                RouterId = parse.GetValue(routerId) ?? Environment.MachineName,
                Priority = parse.GetValue(priority),
                VirtualRouterId = parse.GetValue(vrid),
                LanVirtualAddress = vip,
                LanPrefixLength = prefix,
                SyncInterface = parse.GetValue(syncInterface)!,
                SyncAddress = sync,
                PeerSyncAddress = other,
                TrackWeight = parse.GetValue(weight),
                AdvertInterval = TimeSpan.FromMilliseconds(parse.GetValue(advert)),
                Preempt = !parse.GetValue(noPreempt),
                PreemptDelay = TimeSpan.FromSeconds(Math.Clamp(parse.GetValue(preemptDelay), -1, 1001)),
                ConfigDirectory = parse.GetValue(configDir) ?? (outDir is null ? HaRenderOptions.DefaultConfigDirectory : Path.GetFullPath(outDir)),
                Source = path,
            };
            var files = HaRenderer.Render(model, options, errors);
            if (errors.Count > 0)
            {
                foreach (var e in errors) Console.Error.WriteLine($"error: {e}");
                var summary = errors.Count == 1 ? "1 error; nothing was written" : $"{errors.Count} errors; nothing was written";
                Console.Error.WriteLine(summary + ".");
                if (asJson)
                {
                    var failure = CliJson.Failure("ha render", summary);
                    failure["errors"] = new JsonArray(errors.Select(e => (JsonNode?)e).ToArray());
                    Console.WriteLine(failure.ToJsonString(CliJson.Indented));
                }
                // A wrong option is a wrong command line (2); a file that cannot be rendered for a pair is a bad configuration (1), as for validate.
                return errors.Any(HaRenderer.NamesAnOption) ? ExitCodes.Usage : ExitCodes.Failed;
            }
            if (outDir is not null)
            {
                try
                {
                    Directory.CreateDirectory(outDir);
                    foreach (var (name, text) in files.All)
                    {
                        var target = Path.Combine(outDir, name);
                        File.WriteAllText(target, text);
                        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(target, HaFiles.Mode(name));
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return CliJson.Fail("ha render", asJson, $"could not write into {outDir}: {e.Message}", ExitCodes.Failed);
                }
            }
            if (asJson)
            {
                var node = new JsonObject { ["configDirectory"] = options.ConfigDirectory, ["written"] = outDir is not null };
                foreach (var (name, text) in files.All) node[name] = text;
                Console.WriteLine(node.ToJsonString(CliJson.Indented));
            }
            else if (outDir is not null)
                Console.WriteLine($"Wrote {string.Join(", ", files.All.Select(f => Path.Combine(outDir, f.Name)))}.");
            else
                foreach (var (name, text) in files.All)
                    Console.Write($"# ==> {name} <==\n{text}\n");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static IPAddress Address(string text, string option, List<string> errors)
    {
        if (IPAddress.TryParse(text, out var a) && text.Count(c => c == '.') == 3) return a;
        errors.Add($"{option} '{text}': give an IPv4 address such as 10.254.0.1");
        return IPAddress.None;
    }

    private static (IPAddress, int) AddressWithPrefix(string text, string option, List<string> errors)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && IPAddress.TryParse(parts[0], out var a) && parts[0].Count(c => c == '.') == 3
            && int.TryParse(parts[1], out var len) && len is >= 1 and <= 32)
            return (a, len);
        errors.Add($"{option} '{text}': give ADDRESS/PREFIX such as 10.9.0.1/24 (the LAN's prefix length)");
        return (IPAddress.None, 24);
    }
}
