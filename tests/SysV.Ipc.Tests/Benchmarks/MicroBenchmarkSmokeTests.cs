using System.Reflection;
using BenchmarkDotNet.Attributes;
using SysV.Ipc.Benchmarks;
using SysV.Ipc.Tests.Infrastructure;
using Xunit;

namespace SysV.Ipc.Tests.Benchmarks;

/// <summary>
/// Keeps bench/SysV.Ipc.Benchmarks from rotting without running BenchmarkDotNet: every benchmark class is
/// instantiated, set up, each of its benchmarks called once and cleaned up, as BenchmarkDotNet would, and
/// the leak guard checks that the setup's kernel objects are gone. Benchmarks that return a value of the
/// same type as their category's baseline must return the same value, so a library benchmark cannot
/// silently measure something other than its raw counterpart. Nothing here is timed.
/// </summary>
public sealed class MicroBenchmarkSmokeTests : IpcLeakGuard
{
    private static readonly Assembly s_benchmarks = typeof(MessageQueueBenchmarks).Assembly;

    public static TheoryData<string> BenchmarkClasses =>
        [.. BenchmarkTypes().Select(t => t.Name)];

    [Fact]
    public void TheAssembly_HasTheExpectedBenchmarkClasses()
    {
        Assert.Equal(
            ["IpcKeyBenchmarks", "IpcSystemBenchmarks", "MessageQueueBenchmarks", "SemaphoreSetBenchmarks", "SharedMemoryAttachmentBenchmarks", "SharedMemoryChannelBenchmarks"],
            BenchmarkTypes().Select(t => t.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(BenchmarkClasses))]
    public void EveryBenchmark_RunsOnce_AndAgreesWithItsBaseline(string className)
    {
        Type type = BenchmarkTypes().Single(t => t.Name == className);
        object instance = Activator.CreateInstance(type)!;
        MethodInfo setup = SingleWith<GlobalSetupAttribute>(type);
        MethodInfo cleanup = SingleWith<GlobalCleanupAttribute>(type);

        Call(setup, instance);
        try
        {
            foreach (IGrouping<string, MethodInfo> category in BenchmarkMethods(type).GroupBy(Category))
            {
                MethodInfo baseline = category.Single(m => m.GetCustomAttribute<BenchmarkAttribute>()!.Baseline);
                object? expected = Call(baseline, instance);
                foreach (MethodInfo benchmark in category.Where(m => m != baseline))
                {
                    object? actual = Call(benchmark, instance);
                    if (baseline.ReturnType != typeof(void) && benchmark.ReturnType == baseline.ReturnType)
                    {
                        Assert.True(Equals(expected, actual), $"{type.Name}.{benchmark.Name} returned {actual}, its baseline {baseline.Name} {expected}");
                    }
                }
            }
        }
        finally
        {
            Call(cleanup, instance);
        }

        // Cleanup is idempotent: BenchmarkDotNet may call it after a setup that already cleaned up.
        Call(cleanup, instance);
    }

    [Theory]
    [MemberData(nameof(BenchmarkClasses))]
    public void EveryBenchmarkClass_MeasuresAllocations_AndHasOneBaselinePerCategory(string className)
    {
        Type type = BenchmarkTypes().Single(t => t.Name == className);
        Assert.NotNull(type.GetCustomAttribute<MemoryDiagnoserAttribute>());
        Assert.False(type.IsSealed, "BenchmarkDotNet derives nothing from the class, but it must not be sealed to be run");
        foreach (IGrouping<string, MethodInfo> category in BenchmarkMethods(type).GroupBy(Category))
        {
            Assert.Single(category, m => m.GetCustomAttribute<BenchmarkAttribute>()!.Baseline);
        }
    }

    [Fact]
    public void MessageQueueSendReceive_AllocatesNothing()
    {
        var benchmarks = new MessageQueueBenchmarks();
        benchmarks.GlobalSetup();
        try
        {
            AssertAllocatesNothing(benchmarks.SendReceive);
        }
        finally
        {
            benchmarks.GlobalCleanup();
        }
    }

    [Fact]
    public void ChannelWriteRead_CopyingAndZeroCopy_AllocateNothing()
    {
        var benchmarks = new SharedMemoryChannelBenchmarks();
        benchmarks.GlobalSetup();
        try
        {
            // 1000 64-byte messages and more than a ring's worth in all: the wrap and the batch head publication are included.
            AssertAllocatesNothing(benchmarks.TryWriteTryRead);
            AssertAllocatesNothing(benchmarks.ClaimCommitPeekAdvance);
            for (int i = 0; i < 20_000; i++)
            {
                Assert.Equal(64, benchmarks.TryWriteTryRead());
            }
        }
        finally
        {
            benchmarks.GlobalCleanup();
        }
    }

    /// <summary>Warms <paramref name="operation"/> up, then checks that 1000 calls allocate 0 bytes on this thread.</summary>
    private static void AssertAllocatesNothing(Func<int> operation)
    {
        for (int i = 0; i < 100; i++)
        {
            operation();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            operation();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ListAll_SeesTheSetupsObjects()
    {
        var benchmarks = new IpcSystemBenchmarks();
        benchmarks.GlobalSetup();
        try
        {
            Assert.True(benchmarks.ListAll() >= 6, "the setup makes two objects of each kind");
            Assert.True(benchmarks.ReadProcFiles() > 0);
        }
        finally
        {
            benchmarks.GlobalCleanup();
        }
    }

    [Fact]
    public void KernelObjectSetup_FailingHalfway_RemovesWhatItMade()
    {
        MessageQueue? queue = null;
        var failure = new InvalidOperationException("the second object could not be made");
        Exception thrown = Assert.Throws<InvalidOperationException>(() => KernelObjectSetup.Run(
            () =>
            {
                queue = MessageQueue.Create(IpcKey.Private);
                throw failure;
            },
            () => queue?.Remove()));

        Assert.Same(failure, thrown);
        Assert.NotNull(queue);
        Assert.DoesNotContain(IpcSystem.ListMessageQueues(), q => q.Id == queue.Id);
        queue.Dispose();
    }

    private static IEnumerable<Type> BenchmarkTypes() =>
        s_benchmarks.GetTypes().Where(t => t.IsClass && !t.IsAbstract && BenchmarkMethods(t).Any());

    private static IEnumerable<MethodInfo> BenchmarkMethods(Type type) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.Instance).Where(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null);

    private static string Category(MethodInfo method) =>
        string.Join(",", method.GetCustomAttribute<BenchmarkCategoryAttribute>()?.Categories ?? []);

    private static MethodInfo SingleWith<TAttribute>(Type type)
        where TAttribute : Attribute =>
        type.GetMethods(BindingFlags.Public | BindingFlags.Instance).Single(m => m.GetCustomAttribute<TAttribute>() is not null);

    private static object? Call(MethodInfo method, object instance) =>
        method.Invoke(instance, BindingFlags.DoNotWrapExceptions, binder: null, parameters: null, culture: null);
}
