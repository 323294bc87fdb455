using Junction.Planning.Nftables;
using Junction.Planning;
using Junction.Tests;

namespace Junction.Configuration.Tests;

/// <summary>
/// The configuration pipeline (parse, validate, plan) on random files and on a corpus of
/// the nastiest ones found, checked in: every input ends either in a model the planner
/// turns into a plan for any health state, or in errors that each say line:column, print
/// no raw control bytes, and never in an exception. The kernel tests have real nft check
/// the plans (ConfigFuzzNftTests).
/// </summary>
public sealed class ConfigFuzzTests
{
    public const int Seed = 20261130;
    public const int Cases = 3000;

    public static string CorpusDirectory => Repo.Path("tests", "Junction.Core.Tests", "Configuration", "FuzzCorpus");

    [Fact]
    public void Random_files_end_in_a_plan_or_in_errors_with_line_and_column()
    {
        var fuzzer = new ConfigFuzzer(Seed);
        var failures = new List<string>();
        var valid = 0;
        for (var i = 0; i < Cases && failures.Count < 5; i++)
        {
            var text = fuzzer.Next();
            if (Check(text, out var planned) is { } problem) failures.Add($"seed {Seed}, case {i}: {problem}\n--- input ---\n{text}");
            else if (planned) valid++;
        }
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        // The generator must reach the planner often enough to mean something.
        Assert.True(valid >= Cases / 20, $"only {valid} of {Cases} files were valid; the generator drifted. Most common errors:\n" +
            string.Join("\n", new[] { new ConfigFuzzer(Seed) }.SelectMany(f => Enumerable.Range(0, 400).Select(_ => f.Next())).SelectMany(t => ConfigLoader.TryLoadText(t, "f").Errors)
                .GroupBy(e => e.Entity.Split('.')[^1] + ": " + string.Join(' ', e.Problem.Split(' ').Skip(1).Take(6))).OrderByDescending(g => g.Count()).Take(12)
                .Select(g => $"{g.Count()} x {g.Key}")));
    }

    [Fact]
    public void The_corpus_of_nasty_files_ends_in_a_plan_or_in_errors_with_line_and_column()
    {
        var files = Directory.GetFiles(CorpusDirectory, "*.yaml");
        Assert.True(files.Length >= 20, $"corpus has {files.Length} files");
        var failures = files.Order().Select(f => (f, p: Check(File.ReadAllText(f), out _))).Where(x => x.p is not null)
            .Select(x => $"{Path.GetFileName(x.f)}: {x.p}").ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>Null when the input ended well; else what went wrong.</summary>
    internal static string? Check(string text, out bool planned)
    {
        planned = false;
        try
        {
            var (model, errors) = ConfigLoader.TryLoadText(text, "fuzz.yaml");
            if (model is null)
            {
                if (errors.Count == 0) return "no model and no error";
                foreach (var e in errors)
                {
                    if (e.Position.Line < 1 || e.Position.Column < 1) return $"an error without line:column: {e}";
                    if (e.ToString().Any(char.IsControl)) return $"an error prints a raw control character: {e}";
                    if (e.Problem.Length == 0 || e.Entity.Length == 0) return $"an error without words: {e}";
                }
                return null;
            }
            if (errors.Count > 0) return "a model and errors";
            var names = model.Uplinks.Select(u => u.Name).ToList();
            foreach (var down in new[] { new HashSet<string>(), names.Take(1).ToHashSet(), names.ToHashSet() })
            {
                var plan = Planner.Plan(model, down, down.Count == names.Count ? down : null);
                if (NftText.Table(plan.Nft).Length == 0) return "an empty plan";
            }
            planned = true;
            return null;
        }
        catch (Exception e)
        {
            return $"threw {e.GetType().Name}: {e.Message}\n{e.StackTrace}";
        }
    }
}
