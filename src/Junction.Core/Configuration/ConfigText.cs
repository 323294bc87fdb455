using System.Text;
using System.Text.Unicode;

namespace Junction.Configuration;

/// <summary>
/// The configuration file's bytes as text. File.ReadAllText turns every byte that is not
/// UTF-8 into U+FFFD without a word: an interface written in Latin-1 ('wän0') became a
/// name the kernel has no device for, and a name that validated. A file that is not
/// UTF-8 is an error at the line and column of its first bad byte instead. A byte order
/// mark is honoured as before (UTF-8's is skipped; UTF-16 and UTF-32 files are decoded).
/// </summary>
internal static class ConfigText
{
    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];
    private static ReadOnlySpan<byte> Utf16LeBom => [0xFF, 0xFE]; // also the start of UTF-32 LE's
    private static ReadOnlySpan<byte> Utf16BeBom => [0xFE, 0xFF];
    private static ReadOnlySpan<byte> Utf32BeBom => [0, 0, 0xFE, 0xFF];

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Decode(byte[] bytes, string file)
    {
        ReadOnlySpan<byte> text = bytes;
        if (text.StartsWith(Utf8Bom)) text = text[Utf8Bom.Length..];
        else if (text.StartsWith(Utf16LeBom) || text.StartsWith(Utf16BeBom) || text.StartsWith(Utf32BeBom))
            using (var reader = new StreamReader(new MemoryStream(bytes), Strict, detectEncodingFromByteOrderMarks: true))
                return reader.ReadToEnd();
        if (Utf8.IsValid(text)) return Strict.GetString(text);

        var (position, bad) = FirstInvalid(text);
        throw new ConfigException([new ConfigError(file, position, "file",
            $"is not UTF-8: byte 0x{bad:X2} here starts no UTF-8 character (the file was saved in another encoding, e.g. Latin-1)",
            "save the file as UTF-8 (e.g. iconv -f LATIN1 -t UTF-8), or write the name in ASCII")]);
    }

    /// <summary>Where the first byte that starts no valid UTF-8 sequence is, counting columns in characters as the YAML reader does.</summary>
    private static (SourcePosition Position, byte Bad) FirstInvalid(ReadOnlySpan<byte> text)
    {
        int line = 1, column = 1;
        while (Rune.DecodeFromUtf8(text, out var rune, out var used) == System.Buffers.OperationStatus.Done)
        {
            if (rune.Value == '\n') { line++; column = 1; }
            else column++;
            text = text[used..];
        }
        return (new SourcePosition(line, column), text[0]);
    }
}
