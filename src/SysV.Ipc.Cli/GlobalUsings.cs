global using SysV.Ipc;
