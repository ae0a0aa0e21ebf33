namespace Engine.Bench;

/// <summary>Where the repository, the results folder and compare.py are, found from the running binary.</summary>
internal static class RepositoryPaths
{
    private const string ProjectFolder = "bench/Engine.Bench";

    /// <summary>The folder holding Engine.sln above the binary or the current directory; else the current directory.</summary>
    public static string Root { get; } = FindRoot();

    public static string ResultsFolder => Path.Combine(Root, "bench", "results");

    /// <summary>compare.py next to the binary (copied on build), else in the project folder; null if neither.</summary>
    public static string? CompareScript()
    {
        string[] candidates =
        [
            Path.Combine(AppContext.BaseDirectory, "compare.py"),
            Path.Combine(Root, ProjectFolder, "compare.py"),
        ];
        return candidates.FirstOrDefault(File.Exists);
    }

    private static string FindRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Engine.sln"))) return dir.FullName;
        }
        return Directory.GetCurrentDirectory();
    }
}
