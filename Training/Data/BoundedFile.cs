// BoundedFile: reads a whole file that a command was given (a corpus, a checkpoint, a fixture) with a
// size limit enforced while reading, so a huge file or an endless device (/dev/zero) is refused before
// it fills memory, and every failure is one sentence that names the file and what kind of thing it is.
namespace Engine.Training.Data;

/// <summary>Reads a whole file with a size bound, failures as one sentence.</summary>
public static class BoundedFile
{
    /// <summary>The bytes of path; failures become error(sentence) naming what (e.g. "corpus file") and path.</summary>
    public static byte[] Read(string path, string what, long limit, Func<string, Exception> error)
    {
        if (path.Length == 0) throw error($"{what} path is empty");
        if (Directory.Exists(path)) throw error($"{what} '{path}' is a directory, not a file");
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
            if (stream.CanSeek && stream.Length > limit) throw error(TooLarge(what, path, stream.Length, limit));
            var buffer = new MemoryStream(stream.CanSeek ? (int)stream.Length : 1 << 16);
            var chunk = new byte[1 << 16];
            int read;
            while ((read = stream.Read(chunk)) > 0)
            {
                if (buffer.Length + read > limit) throw error(TooLarge(what, path, null, limit));
                buffer.Write(chunk, 0, read);
            }
            return buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { throw error($"{what} '{path}' does not exist"); }
        catch (UnauthorizedAccessException) { throw error($"{what} '{path}' cannot be read (permission denied)"); }
        catch (PathTooLongException) { throw error($"{what} path '{path}' is too long"); }
        catch (IOException) { throw error($"{what} '{path}' cannot be read (an input/output error)"); }
    }

    private static string TooLarge(string what, string path, long? size, long limit) => size is { } s
        ? $"{what} '{path}' is {Mib(s)} MiB, over the limit of {Mib(limit)} MiB"
        : $"{what} '{path}' holds more than the limit of {Mib(limit)} MiB";

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
}
