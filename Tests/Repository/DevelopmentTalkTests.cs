// The repository speaks of the software only: no file under the repository root (build outputs and
// run folders aside) mentions how it was developed: work sessions, issue numbers, reference paths of
// the workplace it was written in. This file holds the word list, so it is the one file not searched.
using System.Text.RegularExpressions;
using Xunit;

namespace Engine.Tests.Repository;

public sealed class DevelopmentTalkTests
{
    /// <summary>Development talk, each with the reason it does not belong in a user's repository.</summary>
    private static readonly (Regex Pattern, string Why)[] Talk =
    [
        (Word(@"\.\./shared"), "a path outside the repository"),
        (Word(@"shared/(anchors|reference|notes|corpora|tools)"), "a path outside the repository"),
        (Word(@"/work/(shared|wt|main)\b"), "a path of the machine it was written on"),
        (Word(@"\bissues?\s*#?\d+"), "an issue number"),
        (Word(@"\bsessions?\b"), "a work session"),
        (Word(@"\banchors?\b"), "the development's name for an outside reference"),
        (Word(@"\bmeasured and not kept\b"), "a diary of experiments"),
        (Word(@"\b(earlier|previous|latest) rounds?\b"), "a diary of rounds of work"),
        (Word(@"\brounds of work\b"), "a diary of rounds of work"),
    ];

    /// <summary>Build outputs and runs (as .gitignore lists them), and git's own folder (a file in a worktree).</summary>
    private static readonly HashSet<string> SkippedFolders = ["bin", "obj", ".git", "runs", "out", "TestResults", ".vs"];

    private const string ThisFile = "Tests/Repository/DevelopmentTalkTests.cs";

    private static Regex Word(string pattern) => new(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    [Fact]
    public void No_file_of_the_repository_speaks_of_its_development()
    {
        string root = RepositoryRoot();
        var files = SourceFiles(root).ToList();
        // The search must have found the repository's sources, or it would pass by finding nothing.
        Assert.Contains(files, f => f.EndsWith("README.md", StringComparison.Ordinal) && Path.GetDirectoryName(f) == root);
        Assert.Contains(files, f => f.EndsWith(Path.Combine("Kernels", "Simd", "Sgemm.cs"), StringComparison.Ordinal));

        var hits = new List<string>();
        foreach (string file in files)
        {
            string relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (relative == ThisFile) continue;
            var lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
                foreach (var (pattern, why) in Talk)
                    if (pattern.Match(lines[i]) is { Success: true } m)
                        hits.Add($"{relative}:{i + 1}: '{m.Value}' ({why})");
        }
        Assert.True(hits.Count == 0, "development talk found:\n" + string.Join('\n', hits));
    }

    [Theory]
    [InlineData("see ../shared/reference/README.md")]
    [InlineData("cp -r shared/anchors/libtorch /tmp/libtorch")]
    [InlineData("The parity tolerance of issue 2")]
    [InlineData("fixed in Issue #14")]
    [InlineData("Latest session (2026-12-04)")]
    [InlineData("the libtorch anchor's figures")]
    [InlineData("Measured and not kept (alternating)")]
    [InlineData("In earlier rounds of the same day")]
    [InlineData("read from /work/shared/corpora")]
    public void The_word_list_catches_development_talk(string line)
        => Assert.Contains(Talk, t => t.Pattern.IsMatch(line));

    [Theory]
    [InlineData("The clip stage reads the gradient buffer once.")]
    [InlineData("an issue with unaligned loads")]
    [InlineData("shared memory of a thread group")]
    [InlineData("rounds to nearest")]
    public void The_word_list_leaves_ordinary_text_alone(string line)
        => Assert.DoesNotContain(Talk, t => t.Pattern.IsMatch(line));

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Engine.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Engine.sln above {AppContext.BaseDirectory}: the tests run outside the repository");
    }

    /// <summary>Every text file under the root outside the skipped folders (a file with a NUL byte is binary).</summary>
    private static IEnumerable<string> SourceFiles(string root)
    {
        var pending = new Stack<string>([root]);
        while (pending.Count > 0)
        {
            string dir = pending.Pop();
            foreach (string sub in Directory.EnumerateDirectories(dir))
                if (!SkippedFolders.Contains(Path.GetFileName(sub))) pending.Push(sub);
            foreach (string file in Directory.EnumerateFiles(dir))
                if (!SkippedFolders.Contains(Path.GetFileName(file)) && !IsBinary(file)) yield return file;
        }
    }

    private static bool IsBinary(string file)
    {
        using var stream = File.OpenRead(file);
        var head = new byte[8192];
        int read = stream.Read(head, 0, head.Length);
        return Array.IndexOf(head, (byte)0, 0, read) >= 0;
    }
}
