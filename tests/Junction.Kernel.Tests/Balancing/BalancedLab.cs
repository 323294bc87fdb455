using System.Net;
using Junction.Configuration;
using Junction.Kernel.Tests.Lab;
using Junction.Linux.Apply;
using Junction.Lab;
using Junction.Model;
using Junction.Planning;

namespace Junction.Kernel.Tests.Balancing;

/// <summary>
/// A lab whose router runs Junction: the configuration is applied inside the lab's router
/// namespace with the same applier the CLI uses, so these tests see what users get.
/// </summary>
internal sealed class BalancedLab : IAsyncDisposable
{
    private BalancedLab(TestLab lab) => Lab = lab;

    public TestLab Lab { get; }
    public LabTopology Topology => Lab.Topology;
    public KernelApplier Applier => new(Lab.Network.Router);
    public JunctionModel? Model { get; private set; }

    public static BalancedLab Start(LabOptions options) => new(TestLab.Start(options));

    /// <summary>
    /// Uplinks isp1..ispN on wan1..wanN with gateways 10.100.i.1 and the given weights,
    /// after <paramref name="header"/> (top-level keys) and with <paramref name="extra"/>
    /// appended to uplink i's entry.
    /// </summary>
    public string Config(string header, int[] weights, Func<int, string>? extra = null)
    {
        var lines = new List<string> { header, "uplinks:" };
        for (var i = 1; i <= weights.Length; i++)
        {
            lines.Add($"  - name: isp{i}");
            lines.Add($"    interface: {Topology.WanInterface(i)}");
            lines.Add($"    gateway: {Topology.IspGateway(i)}");
            lines.Add($"    weight: {weights[i - 1]}");
            if (extra?.Invoke(i) is { Length: > 0 } more) lines.Add(more);
        }
        return string.Join('\n', lines) + "\n";
    }

    public ApplyResult Apply(string yaml, params string[] down)
    {
        Model = ConfigLoader.LoadText(yaml, "test.yaml");
        return Applier.Apply(Planner.Plan(Model, new HashSet<string>(down)));
    }

    public Task<IReadOnlyList<ConnectionOutcome>> Connect(int count, int client = 1, IReadOnlyList<IPAddress>? sources = null) =>
        ConnectionDriver.RunAsync(Lab.From(client, count) with { Sources = sources ?? [] }, TestContext.Current.CancellationToken);

    /// <summary>Connections the router itself opens (its own namespace is the client).</summary>
    public Task<IReadOnlyList<ConnectionOutcome>> ConnectFromRouter(int count) =>
        ConnectionDriver.RunAsync(Lab.From(1, count) with { Namespace = Topology.RouterNamespace }, TestContext.Current.CancellationToken);

    public Task<HeldConnections> Hold(int count, int client = 1) =>
        ConnectionDriver.OpenAsync(Lab.From(client, count), TestContext.Current.CancellationToken);

    /// <summary>Connections per uplink as the server saw them; index 0 counts the unattributable.</summary>
    public int[] PerUplink(IEnumerable<ConnectionOutcome> outcomes)
    {
        var list = outcomes.ToList();
        Assert.All(list, o => Assert.True(o.Ok, o.Error));
        return Lab.PerUplink(list);
    }

    /// <summary>The uplink each conntrack entry in the router is marked with (by original source port).</summary>
    public IReadOnlyDictionary<int, uint> ConntrackMarks()
    {
        var marks = new Dictionary<int, uint>();
        var text = Lab.Network.Router.Run("conntrack", "-L", "-p", "tcp", "--dport", LabTopology.ServicePort.ToString()).Stdout;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var sport = Field(line, "sport=");
            var mark = Field(line, "mark=");
            if (sport is not null && mark is not null) marks[int.Parse(sport)] = uint.Parse(mark);
        }
        return marks;
    }

    private static string? Field(string line, string key)
    {
        var i = line.IndexOf(key, StringComparison.Ordinal);
        return i < 0 ? null : new string(line[(i + key.Length)..].TakeWhile(char.IsDigit).ToArray());
    }

    public ValueTask DisposeAsync() => Lab.DisposeAsync();
}
