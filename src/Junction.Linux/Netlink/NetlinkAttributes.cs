using System.Buffers.Binary;
using System.Text;
using Junction.Linux.Interop;

namespace Junction.Linux.Netlink;

/// <summary>
/// Walks the attributes (struct nlattr: length, type, value, 4-byte aligned) of a netlink
/// message in place: nothing is copied or allocated, so a dump of a quarter of a million
/// conntrack entries costs no garbage. A truncated attribute ends the walk.
/// </summary>
internal ref struct NetlinkAttributes(ReadOnlySpan<byte> data)
{
    private ReadOnlySpan<byte> _rest = data;

    /// <summary>The attribute's type without NLA_F_NESTED / NLA_F_NET_BYTEORDER.</summary>
    public ushort Type { get; private set; }

    /// <summary>The attribute's type with those flags, to write it back as it came.</summary>
    public ushort RawType { get; private set; }

    public ReadOnlySpan<byte> Value { get; private set; }

    public bool MoveNext()
    {
        if (_rest.Length < NetlinkAbi.AttributeHeaderLength) return false;
        var length = BinaryPrimitives.ReadUInt16LittleEndian(_rest);
        if (length < NetlinkAbi.AttributeHeaderLength || length > _rest.Length) return false;
        RawType = BinaryPrimitives.ReadUInt16LittleEndian(_rest[2..]);
        Type = (ushort)(RawType & NetlinkAbi.AttributeTypeMask);
        Value = _rest[NetlinkAbi.AttributeHeaderLength..length];
        _rest = _rest[Math.Min(NetlinkAbi.Align(length), _rest.Length)..];
        return true;
    }

    public readonly NetlinkAttributes GetEnumerator() => this;

    public readonly NetlinkAttributes Current => this;

    /// <summary>The value of the first attribute of this type, or empty.</summary>
    public static ReadOnlySpan<byte> Find(ReadOnlySpan<byte> data, ushort type)
    {
        var walk = new NetlinkAttributes(data);
        while (walk.MoveNext())
            if (walk.Type == type) return walk.Value;
        return default;
    }

    /// <summary>
    /// A string attribute (an interface name, a label, a table name, the kernel's error text)
    /// as UTF-8 up to its first NUL, or all of it when it has none: the kernel stores the
    /// bytes it was given, so a name written as UTF-8 reads back as the same name.
    /// </summary>
    public static string CString(ReadOnlySpan<byte> value)
    {
        var end = value.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? value : value[..end]);
    }
}
