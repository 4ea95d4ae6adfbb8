using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;

namespace ImageDsl.Internal
{
    /// <summary>
    /// An immutable list with value equality. The model's records hold lists of these so that two definitions
    /// with the same content compare equal (the generator's incremental pipeline and stage de-duplication both
    /// rely on it), which arrays and <see cref="List{T}"/> would not give.
    /// </summary>
    public sealed class EquatableList<T> : IReadOnlyList<T>, IEquatable<EquatableList<T>>
    {
        private readonly T[] _items;

        public static readonly EquatableList<T> Empty = new EquatableList<T>(Array.Empty<T>());

        private EquatableList(T[] items) => _items = items;

        public static EquatableList<T> From(IEnumerable<T>? items)
        {
            var array = items?.ToArray() ?? Array.Empty<T>();
            return array.Length == 0 ? Empty : new EquatableList<T>(array);
        }

        public EquatableList<T> Add(T item)
        {
            var copy = new T[_items.Length + 1];
            Array.Copy(_items, copy, _items.Length);
            copy[_items.Length] = item;
            return new EquatableList<T>(copy);
        }

        public T this[int index] => _items[index];

        public int Count => _items.Length;

        public bool Equals(EquatableList<T>? other)
        {
            if (other is null) return false;
            if (ReferenceEquals(this, other)) return true;
            if (other._items.Length != _items.Length) return false;
            var comparer = EqualityComparer<T>.Default;
            for (var i = 0; i < _items.Length; i++)
            {
                if (!comparer.Equals(_items[i], other._items[i])) return false;
            }

            return true;
        }

        public override bool Equals(object? obj) => obj is EquatableList<T> other && Equals(other);

        public override int GetHashCode()
        {
            var hash = 17;
            foreach (var item in _items)
            {
                hash = unchecked(hash * 31 + (item is null ? 0 : EqualityComparer<T>.Default.GetHashCode(item)));
            }

            return hash;
        }

        /// <summary>A struct enumerator: <c>foreach</c> over the list allocates nothing (the model is walked on every keystroke).</summary>
        public Enumerator GetEnumerator() => new Enumerator(_items);

        IEnumerator<T> IEnumerable<T>.GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

        public override string ToString() => "[" + string.Join(", ", _items) + "]";

        public struct Enumerator
        {
            private readonly T[] _items;
            private int _index;

            internal Enumerator(T[] items)
            {
                _items = items;
                _index = -1;
            }

            public T Current => _items[_index];

            public bool MoveNext() => ++_index < _items.Length;
        }
    }
}
