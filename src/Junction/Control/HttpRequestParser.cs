using System.Text;

namespace Junction.Cli.Control;

/// <summary>One parsed request head: what the control server's handlers need, nothing more.</summary>
internal sealed record HttpRequest(string Method, string Path, string Query, bool KeepAlive, long ContentLength, bool ExpectContinue)
{
    /// <summary>A query parameter, percent- and '+'-decoded, its name matched without regard to case; several values are joined with ','.</summary>
    public string? QueryValue(string name)
    {
        List<string>? found = null;
        foreach (var part in Query.Split('&'))
        {
            if (part.Length == 0) continue;
            var eq = part.IndexOf('=');
            var key = Decode(eq < 0 ? part : part[..eq]);
            if (!key.Equals(name, StringComparison.OrdinalIgnoreCase)) continue;
            (found ??= []).Add(eq < 0 ? "" : Decode(part[(eq + 1)..]));
        }
        return found is null ? null : string.Join(',', found);
    }

    private static string Decode(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));
}

/// <summary>Why a request head is refused: the status to answer with (the connection is closed after it).</summary>
internal readonly record struct HttpRefusal(int Status, string Reason);

/// <summary>
/// A strict HTTP/1.1 request-head parser over bytes: the request line, then header fields, up to
/// the empty line. Anything it does not need it refuses rather than guesses at: bare LF line
/// ends, folded or space-before-colon fields, a missing or repeated Host, a Content-Length that is
/// not one plain number, any Transfer-Encoding (no chunked bodies: 501), and heads or bodies over
/// the limits (414, 431, 413). The body itself is the server's to read or skip.
/// </summary>
internal static class HttpRequestParser
{
    public const int MaxRequestLine = 4 * 1024;
    public const int MaxHeaderBytes = 16 * 1024;
    public const int MaxHeaderCount = 32;
    public const int MaxBody = 1024;

    /// <summary>The most a head can take in the buffer: the request line, the fields and the empty line.</summary>
    public const int MaxHead = MaxRequestLine + MaxHeaderBytes + 2;

    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    /// <summary>
    /// Parses the head at the start of <paramref name="data"/>. True with the request and the bytes
    /// it took; false with <paramref name="refusal"/> null when more bytes are needed, or set when
    /// the head is bad or too large.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out HttpRequest? request, out int consumed, out HttpRefusal? refusal)
    {
        request = null;
        consumed = 0;
        refusal = null;
        var lineEnd = data.IndexOf(Crlf);
        if (lineEnd < 0)
        {
            if (data.Length > MaxRequestLine) refusal = new(414, "request line too long");
            else if (data.IndexOf((byte)'\n') >= 0) refusal = new(400, "line not ended by CRLF");
            return false;
        }
        if (lineEnd > MaxRequestLine)
        {
            refusal = new(414, "request line too long");
            return false;
        }
        var headEnd = data.IndexOf("\r\n\r\n"u8);
        // A request line with no fields at all ends right after its own CRLF with a second CRLF.
        if (headEnd < 0)
        {
            if (data.Length - lineEnd > MaxHeaderBytes + 2) refusal = new(431, "request header fields too large");
            return false;
        }
        if (headEnd - lineEnd > MaxHeaderBytes)
        {
            refusal = new(431, "request header fields too large");
            return false;
        }
        refusal = ParseHead(data[..lineEnd], data[(lineEnd + 2)..(headEnd + 2)], out request);
        if (refusal is not null) return false;
        consumed = headEnd + 4;
        return true;
    }

    private static HttpRefusal? ParseHead(ReadOnlySpan<byte> line, ReadOnlySpan<byte> fields, out HttpRequest? request)
    {
        request = null;
        var sp1 = line.IndexOf((byte)' ');
        var sp2 = sp1 < 0 ? -1 : line[(sp1 + 1)..].IndexOf((byte)' ');
        if (sp1 <= 0 || sp2 <= 0) return new(400, "malformed request line");
        var method = line[..sp1];
        var target = line.Slice(sp1 + 1, sp2);
        var version = line[(sp1 + sp2 + 2)..];
        foreach (var b in method)
            if (!IsTokenChar(b)) return new(400, "malformed method");
        bool http11;
        if (version.SequenceEqual("HTTP/1.1"u8)) http11 = true;
        else if (version.SequenceEqual("HTTP/1.0"u8)) http11 = false;
        else return new(version.StartsWith("HTTP/"u8) ? 505 : 400, "unsupported HTTP version");
        foreach (var b in target)
            if (b <= 0x20 || b >= 0x7f) return new(400, "malformed request target");

        string? host = null, connection = null, contentLength = null, expect = null;
        var transferEncoding = false;
        var count = 0;
        while (fields.Length > 0)
        {
            var end = fields.IndexOf(Crlf);
            var field = fields[..end];
            fields = fields[(end + 2)..];
            if (++count > MaxHeaderCount) return new(431, "too many header fields");
            if (field.IndexOf((byte)'\n') >= 0 || field.IndexOf((byte)'\r') >= 0) return new(400, "line not ended by CRLF");
            var colon = field.IndexOf((byte)':');
            if (colon <= 0) return new(400, "malformed header field");
            var name = field[..colon];
            foreach (var b in name)
                if (!IsTokenChar(b)) return new(400, "malformed header field name");
            var value = field[(colon + 1)..].Trim(" \t"u8);
            foreach (var b in value)
                if (b < 0x20 && b != '\t' || b == 0x7f) return new(400, "malformed header field value");
            var text = Encoding.Latin1.GetString(value);
            if (Is(name, "host"u8))
            {
                if (host is not null) return new(400, "more than one Host");
                host = text;
            }
            else if (Is(name, "content-length"u8))
            {
                if (contentLength is not null && contentLength != text) return new(400, "conflicting Content-Length");
                contentLength = text;
            }
            else if (Is(name, "transfer-encoding"u8)) transferEncoding = true;
            else if (Is(name, "connection"u8)) connection = connection is null ? text : $"{connection},{text}";
            else if (Is(name, "expect"u8)) expect = text;
        }
        if (http11 && host is null) return new(400, "no Host header");
        if (transferEncoding) return new(contentLength is null ? 501 : 400, "Transfer-Encoding is not supported: send a Content-Length");
        long length = 0;
        if (contentLength is not null && !TryLength(contentLength, out length)) return new(400, "malformed Content-Length");
        if (length > MaxBody) return new(413, "request body too large");
        if (!TrySplitTarget(Encoding.ASCII.GetString(target), out var path, out var query)) return new(400, "malformed request target");
        var keepAlive = http11 ? !HasToken(connection, "close") : HasToken(connection, "keep-alive");
        request = new HttpRequest(Encoding.ASCII.GetString(method), path, query, keepAlive, length,
            expect is not null && expect.Equals("100-continue", StringComparison.OrdinalIgnoreCase));
        return null;
    }

    /// <summary>Origin form (/path?query) or absolute form (http://host/path?query); the path percent-decoded but for '/'.</summary>
    private static bool TrySplitTarget(string target, out string path, out string query)
    {
        path = query = "";
        if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            var slash = target.IndexOf('/', "http://".Length);
            target = slash < 0 ? "/" : target[slash..];
        }
        if (!target.StartsWith('/')) return false;
        var q = target.IndexOf('?');
        var raw = q < 0 ? target : target[..q];
        query = q < 0 ? "" : target[(q + 1)..];
        path = Uri.UnescapeDataString(raw.Replace("%2F", "%252F", StringComparison.OrdinalIgnoreCase));
        return true;
    }

    private static bool TryLength(string text, out long length)
    {
        length = 0;
        if (text.Length is 0 or > 18) return false;
        foreach (var c in text)
        {
            if (c is < '0' or > '9') return false;
            length = length * 10 + (c - '0');
        }
        return true;
    }

    private static bool HasToken(string? list, string token)
    {
        if (list is null) return false;
        foreach (var part in list.Split(','))
            if (part.Trim().Equals(token, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    private static bool Is(ReadOnlySpan<byte> name, ReadOnlySpan<byte> lower)
    {
        if (name.Length != lower.Length) return false;
        for (var i = 0; i < name.Length; i++)
            if ((name[i] | 0x20) != lower[i]) return false;
        return true;
    }

    /// <summary>RFC 9110 tchar.</summary>
    private static bool IsTokenChar(byte b) =>
        b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9'
        || "!#$%&'*+-.^_`|~"u8.IndexOf(b) >= 0;
}
