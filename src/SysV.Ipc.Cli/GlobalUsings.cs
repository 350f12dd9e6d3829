global using System.CommandLine;
global using System.Globalization;
global using SysV.Ipc;
global using SysV.Ipc.Cli.Output;
global using SysV.Ipc.Cli.Parsing;
