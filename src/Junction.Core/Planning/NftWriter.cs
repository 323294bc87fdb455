using System.Text;

namespace Junction.Planning;

/// <summary>Writes nftables text with consistent indentation.</summary>
internal sealed class NftWriter
{
    private readonly StringBuilder _text = new();
    private int _depth;

    public NftWriter Line(string line = "")
    {
        if (line.Length > 0) _text.Append('\t', _depth).Append(line);
        _text.Append('\n');
        return this;
    }

    public NftWriter Open(string header)
    {
        Line(header + " {");
        _depth++;
        return this;
    }

    public NftWriter Close()
    {
        _depth--;
        return Line("}");
    }

    public override string ToString() => _text.ToString();
}
