global using SysV.Ipc.Nats.Tests.Infrastructure;
global using Xunit;
