using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace SysV.Ipc;

/// <summary>
/// Describes the memory layout of an unmanaged struct as canonical text (field names, offsets, types,
/// sizes, recursively) and hashes it, so two processes can tell whether they agree on a shared area's
/// organization. The grammar is documented in docs/structured-sharing.md, so C programs can embed the
/// same text.
/// </summary>
/// <remarks>
/// Offsets are measured, not computed from attributes: each field is set to all-ones bytes in an
/// otherwise zero boxed instance and the first changed byte is its offset. That is what the runtime
/// really does, including for <see langword="bool"/> and <see langword="char"/> fields, where
/// <see cref="Marshal.OffsetOf(Type, string)"/> reports the marshalled layout instead.
/// </remarks>
internal static class StructLayoutSignature
{
    /// <summary>What trimming and native AOT must keep of a shared struct type: its fields, which the description reads.</summary>
    internal const DynamicallyAccessedMemberTypes Fields = DynamicallyAccessedMemberTypes.PublicFields | DynamicallyAccessedMemberTypes.NonPublicFields;

    private const BindingFlags InstanceFields = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;

    /// <summary>The canonical text, e.g. <c>struct(16){Count:i32@0,Total:i64@8}</c>.</summary>
    /// <exception cref="ArgumentException">The type cannot be shared between processes (pointer field, automatic layout).</exception>
    internal static string Describe([DynamicallyAccessedMembers(Fields)] Type type) => Describe(type, type.Name);

    /// <summary>FNV-1a (64 bits) of the UTF-8 text: cheap to compute in C, stored in the header.</summary>
    internal static ulong Hash(ReadOnlySpan<byte> utf8)
    {
        ulong hash = 0xcbf29ce484222325;
        foreach (byte b in utf8)
        {
            hash ^= b;
            hash *= 0x100000001b3;
        }

        return hash;
    }

    internal static ulong Hash(string text) => Hash(Encoding.UTF8.GetBytes(text));

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "T is annotated; nested struct types cannot be. The trimmer keeps value types' fields, and native AOT programs without their metadata are detected and refused (FieldsNotKept), never misdescribed.")]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "T is annotated; nested struct types cannot be. The trimmer keeps value types' fields, and native AOT programs without their metadata are detected and refused (FieldsNotKept), never misdescribed.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "T is annotated; nested struct types cannot be. The trimmer keeps value types' fields, and native AOT programs without their metadata are detected and refused (FieldsNotKept), never misdescribed.")]
    private static string Describe(Type type, string path)
    {
        if (type.IsPointer || type.IsFunctionPointer)
        {
            throw Unshareable(path, "is a pointer: an address means nothing in another process, which maps the segment elsewhere. Store an offset into the area instead");
        }

        if (type.IsEnum)
        {
            return Describe(Enum.GetUnderlyingType(type), path);
        }

        if (type.IsPrimitive)
        {
            return PrimitiveName(type, path);
        }

        if (!type.IsValueType)
        {
            throw Unshareable(path, $"is a reference type ({type}): only unmanaged value types can live in shared memory");
        }

        if (type.IsAutoLayout)
        {
            throw Unshareable(path, $"has automatic layout ({type}): the runtime may reorder its fields, so no other program can know where they are. Use LayoutKind.Sequential or Explicit, or store a primitive instead (for DateTime, its Ticks)");
        }

        int size = RuntimeHelpers.SizeOf(type.TypeHandle);
        FieldInfo[] declared = type.GetFields(InstanceFields);
        if (declared.Length == 0 && size > 1 && !RuntimeFeature.IsDynamicCodeSupported)
        {
            throw FieldsNotKept(type, path);
        }

        if (type.GetCustomAttribute<InlineArrayAttribute>() is { } inline)
        {
            FieldInfo element = declared.Single();
            return $"{Describe(element.FieldType, path + "[]")}[{inline.Length}]";
        }

        var fields = new List<(int Offset, string Name, string Text)>();
        foreach (FieldInfo field in declared)
        {
            string name = FieldName(field);
            string fieldPath = path + "." + name;
            string text = field.GetCustomAttribute<FixedBufferAttribute>() is { } buffer
                ? $"{Describe(buffer.ElementType, fieldPath)}[{buffer.Length}]"
                : Describe(field.FieldType, fieldPath);
            fields.Add((ProbeOffset(type, size, field), name, text));
        }

        fields.Sort((a, b) => a.Offset != b.Offset ? a.Offset.CompareTo(b.Offset) : string.CompareOrdinal(a.Name, b.Name));
        var builder = new StringBuilder();
        builder.Append("struct(").Append(size).Append("){");
        for (int i = 0; i < fields.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }

            builder.Append(fields[i].Name).Append(':').Append(fields[i].Text).Append('@').Append(fields[i].Offset);
        }

        return builder.Append('}').ToString();
    }

    /// <summary>Sets the field to all-ones bytes in a zeroed boxed instance and finds the first changed byte.</summary>
    private static unsafe int ProbeOffset(Type owner, int ownerSize, FieldInfo field)
    {
        int fieldSize = RuntimeHelpers.SizeOf(field.FieldType.TypeHandle);
        byte[] zeros = new byte[ownerSize];
        byte[] ones = new byte[fieldSize];
        ones.AsSpan().Fill(0xFF);
        object instance = RuntimeHelpers.Box(ref zeros[0], owner.TypeHandle)!;
        object value = RuntimeHelpers.Box(ref ones[0], field.FieldType.TypeHandle)!;
        field.SetValue(instance, value);

        GCHandle pin = GCHandle.Alloc(instance, GCHandleType.Pinned);
        try
        {
            var bytes = new ReadOnlySpan<byte>((void*)pin.AddrOfPinnedObject(), ownerSize);
            int offset = bytes.IndexOfAnyExcept((byte)0);
            return offset >= 0
                ? offset
                : throw new InvalidOperationException($"Could not locate field {field.Name} of {owner} in memory.");
        }
        finally
        {
            pin.Free();
        }
    }

    private static string FieldName(FieldInfo field)
    {
        // An auto-property's backing field "<Name>k__BackingField" is described by the property's name.
        string name = field.Name;
        if (name.StartsWith('<') && name.IndexOf('>', StringComparison.Ordinal) is int end and > 1)
        {
            return name[1..end];
        }

        return name;
    }

    private static string PrimitiveName(Type type, string path) => Type.GetTypeCode(type) switch
    {
        TypeCode.SByte => "i8",
        TypeCode.Byte => "u8",
        TypeCode.Int16 => "i16",
        TypeCode.UInt16 => "u16",
        TypeCode.Int32 => "i32",
        TypeCode.UInt32 => "u32",
        TypeCode.Int64 => "i64",
        TypeCode.UInt64 => "u64",
        TypeCode.Single => "f32",
        TypeCode.Double => "f64",
        TypeCode.Boolean => "bool",
        TypeCode.Char => "char16",
        _ when type == typeof(nint) => "nint",
        _ when type == typeof(nuint) => "nuint",
        _ => throw Unshareable(path, $"has the primitive type {type}, which this library cannot describe"),
    };

    /// <summary>
    /// Native AOT keeps field metadata only for types something asks for: <see cref="SharedStruct{T}"/>'s
    /// annotation covers T itself, but not the struct types of T's fields. Describing such a type as
    /// field-less would disagree with the same program on the JIT, so this says how to keep them instead.
    /// </summary>
    private static NotSupportedException FieldsNotKept(Type type, string path) => new(
        $"{path} ({type}) cannot be described in this native AOT program: the compiler kept no metadata for its fields, so its layout " +
        "cannot be compared with other processes'. Keep the fields of every struct nested in a shared struct, for example with " +
        $"[DynamicDependency(DynamicallyAccessedMemberTypes.PublicFields | DynamicallyAccessedMemberTypes.NonPublicFields, typeof({type.Name}))] " +
        "on the field that holds it (docs/structured-sharing.md, \"Trimming and native AOT\").");

    private static ArgumentException Unshareable(string path, string reason) =>
        new($"{path} cannot be shared between processes: it {reason}.");
}

/// <summary>The layout of one struct type, computed once per process.</summary>
internal static class StructLayoutSignature<[DynamicallyAccessedMembers(StructLayoutSignature.Fields)] T>
    where T : unmanaged
{
    private static readonly Lazy<(string Text, byte[] Utf8, ulong Hash)> s_layout = new(() =>
    {
        string text = StructLayoutSignature.Describe(typeof(T));
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        return (text, utf8, StructLayoutSignature.Hash(utf8));
    });

    internal static string Text => s_layout.Value.Text;

    internal static ReadOnlySpan<byte> Utf8 => s_layout.Value.Utf8;

    internal static ulong Hash => s_layout.Value.Hash;
}
