using System.Net;
using Junction.Model;

namespace Junction.Configuration;

/// <summary>
/// Checks every value of a <see cref="JunctionConfig"/> and builds the immutable
/// <see cref="JunctionModel"/>. All errors are collected in one pass; the model is
/// returned only when there are none. The top-level scalars are checked here; each
/// section has its validator (<see cref="LayoutValidator"/>, <see cref="UplinkValidator"/>
/// with <see cref="SnatValidator"/>, <see cref="ProbeValidator"/> and
/// <see cref="TierValidator"/>, <see cref="PinValidator"/>, <see cref="MetricsValidator"/>,
/// <see cref="HaValidator"/>, <see cref="PassiveValidator"/>), all reporting into one
/// <see cref="ValidationContext"/>, in the order of the file's sections.
/// </summary>
public static class ConfigValidator
{
    public static JunctionModel? Validate(JunctionConfig config, List<ConfigError> errors)
    {
        var before = errors.Count;
        var v = new ValidationContext(config.File, errors);

        var lan = new List<string>();
        var lanSet = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in config.Lan)
            if (v.Interface(item, "lan") is { } name)
            {
                if (!lanSet.Add(name)) v.Error(item, "lan", $"interface '{name}' is listed twice", "list each interface once");
                else lan.Add(name);
            }

        var local = true;
        if (config.Local is { } localValue)
        {
            if (localValue.Value is "true" or "yes" or "on") local = true;
            else if (localValue.Value is "false" or "no" or "off") local = false;
            else v.Error(localValue, "local", $"'{localValue.Value}' is not true or false", "write 'local: true' or 'local: false'");
        }

        var balance = BalanceMode.RoundRobin;
        if (config.Balance is { } b)
            balance = v.Word(b, "balance", Vocabulary.Balance) ?? BalanceMode.RoundRobin;

        var layout = LayoutValidator.Validate(config, v);

        var bypass = config.Bypass.Select(x => v.Network(x, "bypass")).OfType<IPNetwork>().ToList();

        var flush = FlushPolicy.Dead;
        if (config.Flush is { } fl)
            flush = v.Word(fl, "flush", Vocabulary.Flush) ?? FlushPolicy.Dead;

        var uplinks = UplinkValidator.Validate(config, v, lanSet, layout);
        var declared = config.Uplinks.Select(u => u.Name?.Value).OfType<string>().Distinct().ToList();
        var pins = config.Pins.Select((pin, i) => PinValidator.Validate(pin, i, v, uplinks, declared)).OfType<PinModel>().ToList();

        var metrics = config.Metrics is { } mc ? MetricsValidator.Listen(mc, v) : null;
        var (failback, hold) = TierValidator.Failback(config, v);

        var ha = config.Ha is { } hc ? HaValidator.Validate(hc, v) : null;
        var passive = PassiveValidator.Validate(config.Passive, v);

        return errors.Count > before ? null : new JunctionModel(lan, local, balance, layout, bypass, uplinks, pins)
        {
            MetricsListen = metrics, Flush = flush, Failback = failback, FailbackHold = hold, Ha = ha, Passive = passive,
        };
    }
}
