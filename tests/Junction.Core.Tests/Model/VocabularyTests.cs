using System.Reflection;
using System.Text.Json.Nodes;
using Junction.Configuration;
using Junction.Explain;
using Junction.Ha;
using Junction.Health;
using Junction.Metrics;
using Junction.Planning;
using Junction.Status;
using Junction.Status.Tests;

namespace Junction.Model.Tests;

/// <summary>
/// One word per enum value, parsed back to that value, and spelled the same by every reader
/// and writer: the configuration file, plan --json, explain, status (text and JSON), metrics.
/// </summary>
public sealed class VocabularyTests
{
    // Values that are never written or printed as a word of their own.
    private static readonly object[] Wordless = [Families.None];

    private static IEnumerable<(string Name, object Table, Type Enum)> Tables() =>
        typeof(Vocabulary).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType.IsGenericType && f.FieldType.GetGenericTypeDefinition() == typeof(WordTable<>))
            .Select(f => (f.Name, f.GetValue(null)!, f.FieldType.GetGenericArguments()[0]));

    public static TheoryData<string> TableNames() => [.. Tables().Select(t => t.Name)];

    [Fact]
    public void Every_enum_a_user_writes_or_reads_has_a_table()
    {
        Type[] expected = [typeof(BalanceMode), typeof(PoolSpread), typeof(SnatMode), typeof(Families), typeof(FlushPolicy),
            typeof(FailbackMode), typeof(ProbeKind), typeof(HealthState), typeof(OperatorMode), typeof(VrrpState)];
        var tables = Tables().Select(t => t.Enum).ToList();
        Assert.Equal(tables.Count, tables.Distinct().Count());
        Assert.Equal(expected.OrderBy(t => t.Name), tables.OrderBy(t => t.Name));
    }

    [Theory]
    [MemberData(nameof(TableNames))]
    public void Every_value_has_exactly_one_word_and_parsing_it_gives_the_value_back(string name)
    {
        var (_, table, type) = Tables().Single(t => t.Name == name);
        var check = typeof(VocabularyTests).GetMethod(nameof(Check), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(type);
        try { check.Invoke(null, [table]); }
        catch (TargetInvocationException e) when (e.InnerException is not null) { throw e.InnerException; }
    }

    private static void Check<T>(WordTable<T> table) where T : struct, Enum
    {
        var values = Enum.GetValues<T>().Where(v => !Wordless.Contains(v)).ToList();
        Assert.Equal(values.OrderBy(v => v), table.Values.OrderBy(v => v));
        var words = values.Select(table.Word).ToList();
        Assert.Equal(words.Count, words.Distinct().Count());
        foreach (var v in values)
        {
            var word = table.Word(v);
            Assert.Matches("^[a-z][a-z0-9-]*$", word);
            if (table.OutputOnly.Contains(v))
            {
                Assert.DoesNotContain(word, table.Words);
                Assert.False(table.TryParse(word, out _));
            }
            else
            {
                Assert.Contains(word, table.Words);
                Assert.True(table.TryParse(word, out var parsed));
                Assert.Equal(v, parsed);
            }
        }
        Assert.Null(table.Parse("no-such-word"));
    }

    [Fact]
    public void A_value_without_a_word_is_refused_not_guessed() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Vocabulary.Family.Word(Families.None));

    [Fact]
    public void A_table_that_lists_a_word_twice_is_refused() =>
        Assert.Throws<ArgumentException>(() => new WordTable<FlushPolicy>((FlushPolicy.Dead, "dead"), (FlushPolicy.None, "dead")));

    private static JunctionModel Load(string top, string uplink = "", string second = "") =>
        ConfigLoader.LoadText($"""
            lan: [lan0]
            {top}
            uplinks:
              - name: isp1
                interface: wan1
                gateway: 10.11.0.1
                gateway6: 2001:db8:11::1
            {uplink}
              - name: isp2
                interface: wan2
                gateway: 10.12.0.1
            {second}
            """, "test.yaml");

    private static JsonNode PlanJson(JunctionModel model) => JsonNode.Parse(PlanFormatter.Json(Planner.Plan(model), model))!;

    [Fact]
    public void Plan_json_and_explain_spell_the_balance_mode_as_the_file_does()
    {
        foreach (var word in Vocabulary.Balance.Words)
        {
            var model = Load($"balance: {word}");
            Assert.Equal(Vocabulary.Balance.Parse(word), model.Balance);
            Assert.Equal(word, (string?)PlanJson(model)["balance"]);
            var explanation = Explainer.WouldBe(model, new HashSet<string>(), ConnectionQuery.Parse("tcp 10.9.0.2:5000 -> 192.0.2.80:443"));
            Assert.Equal($"balance {word}", explanation.Rule);
        }
    }

    [Fact]
    public void Plan_json_spells_failback_family_and_snat_as_the_file_does()
    {
        foreach (var word in Vocabulary.Failback.Words)
            Assert.Equal(word, (string?)PlanJson(Load($"failback: {word}"))["failback"]);
        foreach (var word in Vocabulary.Snat.Words)
            Assert.Equal(word, (string?)PlanJson(Load("", $"    snat: {word}"))["uplinks"]![0]!["snat"]!["mode"]);
        foreach (var word in Vocabulary.Spread.Words)
        {
            var snat = PlanJson(Load("", $"    snat: {{ addresses: [10.11.0.5, 10.11.0.6], spread: {word} }}"))["uplinks"]![0]!["snat"]!;
            Assert.Equal(Vocabulary.Snat.Word(SnatMode.Pool), (string?)snat["mode"]);
            Assert.Equal(word, (string?)snat["spread"]);
        }
        var json = PlanJson(Load("", "    family: dual"));
        Assert.Equal("dual", (string?)json["uplinks"]![0]!["families"]);
        Assert.Equal("ipv4", (string?)json["uplinks"]![1]!["families"]);
        Assert.Equal(
            json["rules"]!.AsArray().Select(r => (string)r!["command"]!).Select(c => c.StartsWith("ip -6 ", StringComparison.Ordinal) ? "ipv6" : "ipv4"),
            json["rules"]!.AsArray().Select(r => (string)r!["family"]!));
    }

    [Fact]
    public void The_flush_and_probe_words_are_read_as_the_table_says()
    {
        foreach (var word in Vocabulary.Flush.Words)
            Assert.Equal(Vocabulary.Flush.Parse(word), Load($"flush: {word}").Flush);
        foreach (var word in Vocabulary.Probe.Words)
        {
            var target = word == "tcp" ? "10.11.0.1:443" : "10.11.0.1";
            Assert.Equal(Vocabulary.Probe.Parse(word), Load("", $"    probe: {{ kind: {word}, targets: [{target}] }}").Uplink("isp1").Probe.Kind);
        }
    }

    [Fact]
    public void A_wrong_word_gets_the_tables_words_as_the_fix()
    {
        var (_, errors) = ConfigLoader.TryLoadText("""
            lan: [lan0]
            flush: sometimes
            uplinks:
              - name: isp1
                interface: wan1
            """, "test.yaml");
        Assert.Equal($"expected one of: {string.Join(", ", Vocabulary.Flush.Words)}", Assert.Single(errors).Fix);
    }

    [Fact]
    public void Status_json_status_text_and_metrics_spell_health_and_operator_words_from_the_table()
    {
        foreach (var state in Vocabulary.Health.Values)
            Assert.Equal($"\"{Vocabulary.Health.Word(state)}\"", StatusJson.Serialize(state));
        foreach (var mode in Vocabulary.Operator.Values)
        {
            Assert.Equal($"\"{Vocabulary.Operator.Word(mode)}\"", StatusJson.Serialize(mode));
            Assert.Equal(Vocabulary.Operator.Word(mode), OperatorModes.Word(mode));
        }

        var window = new NewConnectionWindow(TimeProvider.System);
        var report = StatusBuilder.Build(Snapshots.Two(), new KernelFigures(new Dictionary<string, long>(), [], new Dictionary<string, InterfaceBytes>(), []), window);
        var metrics = MetricsFormatter.Format(report);
        foreach (var state in Vocabulary.Health.Values)
            Assert.Contains($"state=\"{Vocabulary.Health.Word(state)}\"", metrics);
        foreach (var mode in Vocabulary.Operator.Values.Where(m => m != OperatorMode.Auto))
            Assert.Contains($"mode=\"{Vocabulary.Operator.Word(mode)}\"", metrics);
        var text = StatusFormatter.Format(report);
        Assert.Contains($"isp1: {Vocabulary.Health.Word(HealthState.Up)} ", text);
        Assert.Contains($"isp2: {Vocabulary.Health.Word(HealthState.Down)} ", text);
    }

    [Fact]
    public void The_vrrp_role_is_read_and_shown_in_the_tables_words()
    {
        foreach (var state in Vocabulary.Vrrp.Values.Where(s => s != VrrpState.Unknown))
        {
            var role = VrrpRole.Parse($"{Vocabulary.Vrrp.Word(state).ToUpperInvariant()} 7", _ => true);
            Assert.Equal(state, role.State);
            Assert.Equal(Vocabulary.Vrrp.Word(state), role.Word);
        }
    }
}
