namespace SysV.Ipc;

/// <summary>
/// Initializes a freshly created shared struct in place (the tutorial's <c>clear_syscall</c>). It runs
/// exactly once per area, in the creating process, before any other process can see the struct.
/// </summary>
/// <typeparam name="T">The struct type.</typeparam>
/// <param name="value">The struct in shared memory; it starts zero-filled.</param>
public delegate void SharedStructInitializer<T>(ref T value)
    where T : unmanaged;
