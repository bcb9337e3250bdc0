// ValidationSplit: how the validation text is read (B contiguous streams of the first ValidationChars
// characters), and the check, made before the first training step, that each stream has at least two
// characters (one input, one target), so a too-short split never fails after training has begun.
namespace Engine.Training.Data;

/// <summary>The validation text as B streams, and its check before training.</summary>
public static class ValidationSplit
{
    /// <summary>Characters in each of the batch streams.</summary>
    public static int StreamLength(int validationChars, int validationLength, int batch) => Math.Min(validationChars, validationLength) / batch;

    /// <summary>Refuses, in one line, a split whose streams would hold fewer than two characters each.</summary>
    public static void Check(int validationChars, int validationLength, int batch)
    {
        int length = Math.Min(validationChars, validationLength), stream = StreamLength(validationChars, validationLength, batch);
        if (stream < 2)
            throw new CorpusException(
                $"the validation text is too short: {length} characters (--val-chars {validationChars}; the corpus's last 10% holds {validationLength}) make {batch} streams of {stream}, and each needs at least 2; raise --val-chars, lower --batch or use a longer corpus");
    }
}
