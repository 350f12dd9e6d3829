// The tests start servers, namespaces and processes and count System V objects: one at a time.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
