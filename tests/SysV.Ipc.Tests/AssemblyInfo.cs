// Tests run one at a time: each test's leak check attributes new kernel objects to that test, and
// timing-sensitive tests (timeouts, wake-ups) are not disturbed by the others on a 2-core machine.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
