using System.Globalization;
using System.Text;

namespace SysV.Ipc.ChannelBench;

/// <summary>
/// Puts several runs (their results.json) side by side in docs/benchmarks.md's channel section: every
/// target's ratio in each run with its spread (max/min over the runs), the key numbers, then each run's
/// full tables. The charts are drawn from the last run.
/// </summary>
internal static class Compose
{
    /// <summary>Each ratio's max/min over the runs must stay below this (the issue's steadiness target).</summary>
    public const double SpreadBar = 1.25;

    private static readonly CultureInfo s_c = CultureInfo.InvariantCulture;

    public static void Write(IReadOnlyList<string> runDirectories, string docs)
    {
        if (runDirectories.Count == 0)
        {
            throw new ArgumentException("--compose needs at least one run directory (the --output of a run, holding results.json).");
        }

        RunResults[] runs = [.. runDirectories.Select(RunResults.Load)];
        Report[] reports = [.. runs.Select(r => new Report(r))];
        string section = Markdown(runs, reports);
        Directory.CreateDirectory(docs);
        reports[^1].WriteCharts(docs);
        Report.UpdateSection(Path.Combine(docs, "benchmarks.md"), section);
    }

    private static string Markdown(RunResults[] runs, Report[] reports)
    {
        var md = new StringBuilder();
        RunInfo first = runs[0].Run;
        md.AppendLine(Report.SectionTitle).AppendLine();
        md.AppendLine(s_c, $"Cross-process: producer and consumer (or pinger and ponger) are separate processes. {runs.Length} {first.Mode} runs of `bench/SysV.Ipc.ChannelBench` (`bench/run-all.sh`), {first.Repeats} repeats per contender and size in each, put side by side by its `--compose`. Machine: {first.Machine}, gcc {first.Gcc}. Pinned CPUs: {first.Cpus}.").AppendLine();

        md.AppendLine("| run | started (UTC) | commit | minutes | load before / after | cache-line round trip, median [min – max] ns | repeats redone / kept busy |");
        md.AppendLine("|---|---|---|---:|---|---|---|");
        for (int i = 0; i < runs.Length; i++)
        {
            RunInfo r = runs[i].Run;
            (double min, double median, double max) = reports[i].Probe();
            md.AppendLine(s_c, $"| {i + 1} | {r.Started:yyyy-MM-dd HH:mm} | {r.Revision} | {r.Duration.TotalMinutes:N1} | {r.LoadBefore:N1} / {r.LoadAfter:N1} | {median:N0} [{min:N0} – {max:N0}] | {r.Redos} / {r.KeptBusy} |");
        }

        md.AppendLine();
        md.AppendLine("### The targets, run by run").AppendLine();
        md.Append("| target |");
        for (int i = 0; i < runs.Length; i++)
        {
            md.Append(s_c, $" run {i + 1} |");
        }

        md.AppendLine(" max/min | met |");
        md.Append("|---|").Append(string.Concat(Enumerable.Repeat("---:|", runs.Length))).AppendLine("---:|---|");
        var targets = reports.Select(r => r.Targets()).ToArray();
        for (int t = 0; t < targets[0].Count; t++)
        {
            md.Append(s_c, $"| {targets[0][t].What} |");
            foreach (IReadOnlyList<Report.Target> run in targets)
            {
                Report.Target x = run[t];
                md.Append(s_c, $" {Report.Format(x.Ratio)}{(x.Met == false ? " (**no**)" : string.Empty)} |");
            }

            double? spread = SpreadOf([.. targets.Select(r => r[t].Ratio)]);
            bool allMet = targets.All(r => r[t].Met == true);
            md.AppendLine(s_c, $" {FormatSpread(spread)} | {(allMet ? "yes, every run" : $"**no** in {targets.Count(r => r[t].Met != true)} of {runs.Length}")}{(spread >= SpreadBar ? "; spread **not** below 1.25" : string.Empty)} |");
        }

        var comparisons = reports.Select(r => r.Comparisons()).ToArray();
        for (int c = 0; c < comparisons[0].Count; c++)
        {
            md.Append(s_c, $"| {comparisons[0][c].What} |");
            foreach (IReadOnlyList<(string What, double? Ratio)> run in comparisons)
            {
                md.Append(s_c, $" {Report.Format(run[c].Ratio)} |");
            }

            md.AppendLine(s_c, $" {FormatSpread(SpreadOf([.. comparisons.Select(r => r[c].Ratio)]))} | (no target) |");
        }

        md.AppendLine();
        md.AppendLine(s_c, $"Every ratio is of two medians of the same run ({first.Repeats} repeats each, taken in turn); max/min is over the runs, the issue's steadiness target is below {SpreadBar}.").AppendLine();
        md.AppendLine(Report.ChartLinks());
        md.AppendLine("The charts are drawn from the last run.").AppendLine();
        for (int i = 0; i < runs.Length; i++)
        {
            RunInfo r = runs[i].Run;
            md.AppendLine(s_c, $"<details><summary>Run {i + 1}: every table ({r.Started:HH:mm} UTC)</summary>").AppendLine();
            md.AppendLine(reports[i].Markdown(string.Create(s_c, $"### Run {i + 1}"), "####"));
            md.AppendLine("</details>").AppendLine();
        }

        md.AppendLine(Report.ContenderNotes("###"));
        return md.ToString();
    }

    private static double? SpreadOf(double?[] ratios) =>
        ratios.Any(r => r is null or <= 0) ? null : ratios.Max()!.Value / ratios.Min()!.Value;

    private static string FormatSpread(double? spread) => spread is null ? "-" : spread.Value.ToString("N2", s_c);
}
