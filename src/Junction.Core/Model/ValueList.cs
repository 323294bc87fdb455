using System.Collections;
using System.Runtime.CompilerServices;

namespace Junction.Model;

/// <summary>
/// An immutable list that equals another with the same items in the same order, so a
/// record holding one keeps value equality (an <see cref="IReadOnlyList{T}"/> member
/// compares by reference).
/// </summary>
[CollectionBuilder(typeof(ValueList), nameof(ValueList.Create))]
public sealed class ValueList<T> : IReadOnlyList<T>, IEquatable<ValueList<T>>
{
    private readonly T[] _items;

    public static ValueList<T> Empty { get; } = new([]);

    private ValueList(T[] items) => _items = items;

    internal static ValueList<T> Own(T[] items) => items.Length == 0 ? Empty : new(items);

    public T this[int index] => _items[index];

    public int Count => _items.Length;

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    public bool Equals(ValueList<T>? other) =>
        other is not null && (ReferenceEquals(this, other) || _items.AsSpan().SequenceEqual(other._items, EqualityComparer<T>.Default));

    public override bool Equals(object? obj) => Equals(obj as ValueList<T>);

    public static bool operator ==(ValueList<T>? a, ValueList<T>? b) => a is null ? b is null : a.Equals(b);

    public static bool operator !=(ValueList<T>? a, ValueList<T>? b) => !(a == b);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in _items) hash.Add(item);
        return hash.ToHashCode();
    }

    public override string ToString() => $"[{string.Join(", ", _items)}]";
}

public static class ValueList
{
    public static ValueList<T> Create<T>(ReadOnlySpan<T> items) => ValueList<T>.Own(items.ToArray());

    public static ValueList<T> ToValueList<T>(this IEnumerable<T> items) => items as ValueList<T> ?? ValueList<T>.Own([.. items]);
}
