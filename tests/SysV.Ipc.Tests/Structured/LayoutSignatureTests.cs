using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Xunit;

// The structs below exist for their layout; many fields are never assigned (CS0649, CS0169).
#pragma warning disable CS0649, CS0169

namespace SysV.Ipc.Tests.Structured;

public sealed class LayoutSignatureTests
{
    private struct Simple
    {
        public int Count;
        public long Total;
    }

    private struct WithBoolAndChar
    {
        public byte A;
        public char B;
        public bool C;
        public byte E;
        public int D;
    }

    private unsafe struct WithFixedBuffer
    {
        public sbyte Id;
        public fixed byte Buf[5];
        public short Tail;
    }

    private struct Nested
    {
        public byte Tag;
        public Simple Inner;
    }

    [StructLayout(LayoutKind.Explicit, Size = 12)]
    private struct Union
    {
        [FieldOffset(0)] public int AsInt;
        [FieldOffset(0)] public float AsFloat;
        [FieldOffset(8)] public uint After;
    }

    private enum Color : ushort
    {
        Red,
    }

    private struct WithEnumAndProperty
    {
        public Color Color { get; set; }
    }

    [InlineArray(3)]
    private struct ThreeLongs
    {
        private long _element;
    }

    private struct WithInlineArray
    {
        public int Length;
        public ThreeLongs Values;
    }

    private unsafe struct WithPointer
    {
        public int* Data;
    }

    private struct WithDateTime
    {
        public DateTime When;
    }

    [Fact]
    public void DescribesNamesTypesOffsetsAndSize()
    {
        Assert.Equal("struct(16){Count:i32@0,Total:i64@8}", StructLayoutSignature.Describe(typeof(Simple)));
    }

    [Fact]
    public void MeasuresTheRuntimeLayoutOfBoolAndCharNotTheMarshalledOne()
    {
        // Marshal.OffsetOf describes the marshalled struct (1-byte ANSI char, 4-byte BOOL): E would be at 8.
        Assert.Equal(8, (int)Marshal.OffsetOf<WithBoolAndChar>(nameof(WithBoolAndChar.E)));
        Assert.Equal("struct(12){A:u8@0,B:char16@2,C:bool@4,E:u8@5,D:i32@8}", StructLayoutSignature.Describe(typeof(WithBoolAndChar)));
    }

    [Fact]
    public void DescribesFixedBuffersInlineArraysNestedStructsEnumsAndUnions()
    {
        Assert.Equal("struct(8){Id:i8@0,Buf:u8[5]@1,Tail:i16@6}", StructLayoutSignature.Describe(typeof(WithFixedBuffer)));
        Assert.Equal("struct(24){Tag:u8@0,Inner:struct(16){Count:i32@0,Total:i64@8}@8}", StructLayoutSignature.Describe(typeof(Nested)));
        Assert.Equal("struct(2){Color:u16@0}", StructLayoutSignature.Describe(typeof(WithEnumAndProperty)));
        Assert.Equal("struct(32){Length:i32@0,Values:i64[3]@8}", StructLayoutSignature.Describe(typeof(WithInlineArray)));
        Assert.Equal("struct(12){AsFloat:f32@0,AsInt:i32@0,After:u32@8}", StructLayoutSignature.Describe(typeof(Union)));
    }

    [Fact]
    public void RejectsPointersAndAutomaticLayoutBeforeAnySystemCall()
    {
        var pointer = Assert.Throws<ArgumentException>(() => SharedStruct<WithPointer>.Create(IpcKey.Private));
        Assert.Contains("WithPointer.Data", pointer.Message, StringComparison.Ordinal);
        Assert.Contains("pointer", pointer.Message, StringComparison.Ordinal);

        var auto = Assert.Throws<ArgumentException>(() => SharedStruct<WithDateTime>.Create(IpcKey.Private));
        Assert.Contains("WithDateTime.When", auto.Message, StringComparison.Ordinal);
        Assert.Contains("automatic layout", auto.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hash_is_fnv1a_64_of_the_utf8_text()
    {
        // Reference values of FNV-1a 64 (from the algorithm's published test vectors).
        Assert.Equal(0xcbf29ce484222325UL, StructLayoutSignature.Hash(string.Empty));
        Assert.Equal(0xaf63dc4c8601ec8cUL, StructLayoutSignature.Hash("a"));
        Assert.Equal(0x85944171f73967e8UL, StructLayoutSignature.Hash("foobar"));
        Assert.Equal(StructLayoutSignature.Hash(SharedStruct<Simple>.LayoutDescription), SharedStruct<Simple>.LayoutSignature);
    }
}
