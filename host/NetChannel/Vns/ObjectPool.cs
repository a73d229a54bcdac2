using System;

namespace NetChannel.Vns;

/// <summary>A small lock-protected pool of reusable objects (copy requests), so the data path does not allocate.</summary>
internal sealed class ObjectPool<T> where T : class
{
    private readonly T[] _items;
    private readonly Func<T> _factory;
    private int _count;

    public ObjectPool(Func<T> factory, int capacity = 256)
    {
        _factory = factory;
        _items = new T[capacity];
    }

    public T Rent()
    {
        lock (_items)
        {
            if (_count > 0)
            {
                T item = _items[--_count];
                _items[_count] = null!;
                return item;
            }
        }
        return _factory();
    }

    public void Return(T item)
    {
        lock (_items)
        {
            if (_count < _items.Length) _items[_count++] = item;
        }
    }
}
