using System.Text;

namespace Junction.Configuration.Tests;

/// <summary>
/// <see cref="ConfigLoader.Load"/> reads the file as UTF-8 and refuses other bytes at their
/// line and column, rather than turning them into U+FFFD (a name no device has, that validated).
/// </summary>
public sealed class ConfigLoaderTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"junction-loader-{Guid.NewGuid():N}.yaml");

    public void Dispose() => File.Delete(_path);

    private JunctionModelOrErrors Load(byte[] bytes)
    {
        File.WriteAllBytes(_path, bytes);
        try
        {
            return new(ConfigLoader.Load(_path), []);
        }
        catch (ConfigException e)
        {
            return new(null, e.Errors);
        }
    }

    private sealed record JunctionModelOrErrors(Model.JunctionModel? Model, IReadOnlyList<ConfigError> Errors);

    private static byte[] Yaml(string before, byte[] middle, string after) =>
        [.. Encoding.UTF8.GetBytes(before), .. middle, .. Encoding.UTF8.GetBytes(after)];

    [Fact]
    public void A_latin1_interface_name_is_an_error_at_its_byte_not_a_replacement_character()
    {
        // 'wän0' saved as Latin-1: 0xE4 followed by 'n' is no UTF-8 sequence.
        var loaded = Load(Yaml("uplinks:\n  - { name: isp1, interface: w", [0xE4], "n0, gateway: 10.0.0.1 }\n"));

        Assert.Null(loaded.Model);
        var error = Assert.Single(loaded.Errors);
        Assert.Equal(new SourcePosition(2, 31), error.Position);
        Assert.Equal("file", error.Entity);
        Assert.Contains("0xE4", error.Problem, StringComparison.Ordinal);
        Assert.Contains("UTF-8", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void UTF8_with_and_without_a_byte_order_mark_loads_as_before()
    {
        var name = "uplinks:\n  - { name: isp1, interface: wän0, gateway: 10.0.0.1 }\n";
        Assert.Equal("wän0", Load(Encoding.UTF8.GetBytes(name)).Model!.Uplinks[0].Interface);
        Assert.Equal("wän0", Load([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(name)]).Model!.Uplinks[0].Interface);
        Assert.Equal("wän0", Load([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(name)]).Model!.Uplinks[0].Interface);
    }
}
