using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SysV.Ipc.AotSmoke;

/// <summary>A nested struct with the field types whose layout the runtime decides (bool, char).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct Inner
{
    public int Count;
    public bool Flag;
    public char Letter;
}

/// <summary>An enum field is described by its underlying type.</summary>
public enum Color : short
{
    Red = 1,
    Green = 2,
}

/// <summary>An inline array.</summary>
[InlineArray(4)]
public struct FourLongs
{
    private long _element;
}

/// <summary>Every kind of field SharedStruct describes: primitives, nesting, enum, fixed buffer, inline array, explicit offsets.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct Outer
{
    private const DynamicallyAccessedMemberTypes SharedFields = DynamicallyAccessedMemberTypes.PublicFields | DynamicallyAccessedMemberTypes.NonPublicFields;

    public byte Id;

    // Native AOT keeps field metadata for Outer (SharedStruct<T> asks for it) but not for the structs nested in it.
    [DynamicDependency(SharedFields, typeof(Inner))]
    public Inner Nested;
    public Color Color;
    public fixed byte Name[16];

    [DynamicDependency(SharedFields, typeof(FourLongs))]
    public FourLongs Items;
    public double Total;
    public long Counter;

    /// <summary>What the creator of the shared area sets, in the JIT test process and in the native program alike.</summary>
    public static void Initialize(ref Outer o)
    {
        o.Id = 7;
        o.Nested.Letter = 'x';
        o.Items[3] = 33;
    }

    /// <summary>Whether an opener sees what <see cref="Initialize"/> set.</summary>
    public static bool IsInitialized(in Outer o) => o.Id == 7 && o.Nested.Letter == 'x' && o.Items[3] == 33;
}

/// <summary>Explicit layout, with an auto-property whose backing field is described by the property's name.</summary>
[StructLayout(LayoutKind.Explicit, Size = 24)]
public struct Explicit
{
    [FieldOffset(0)]
    public uint Magic;

    [FieldOffset(8)]
    public ulong Value;

    [field: FieldOffset(16)]
    public int Property { get; set; }
}

/// <summary>A nested struct whose fields nothing keeps: described on the JIT, refused with advice under native AOT.</summary>
public struct Unkept
{
    public long Stamp;
    public Lonely Nested;
}

/// <summary>Nested only in <see cref="Unkept"/>, with nothing keeping its fields.</summary>
public struct Lonely
{
    public int First;
    public int Second;
}
