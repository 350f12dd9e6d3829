global using System.Diagnostics.Metrics;
global using System.Globalization;
global using Microsoft.Extensions.Logging;
global using NATS.Client.Core;
global using NATS.Client.JetStream;
global using NATS.Client.JetStream.Models;
