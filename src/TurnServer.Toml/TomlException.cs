namespace TurnServer.Toml;

/// <summary>
/// Invalid TOML. The message starts with where the problem is, as
/// <c>line 3, column 7: expected '=' after key</c>, preceded by the file's path when the text came from a file.
/// Lines and columns are 1-based; columns count characters (Unicode scalar values).
/// </summary>
public sealed class TomlException : Exception
{
    public TomlException(string description, int line, int column, string? filePath = null, Exception? innerException = null)
        : base(FormatMessage(description, line, column, filePath), innerException)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(line, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(column, 1);
        Description = description;
        Line = line;
        Column = column;
        FilePath = filePath;
    }

    /// <summary>What is wrong, without the position.</summary>
    public string Description { get; }

    public int Line { get; }

    public int Column { get; }

    /// <summary>The file the document was read from, or null when it came from a string or stream.</summary>
    public string? FilePath { get; }

    private static string FormatMessage(string description, int line, int column, string? filePath)
    {
        var position = $"line {line}, column {column}: {description}";
        return filePath is null ? position : $"{filePath}: {position}";
    }
}
