// Rng: a small, fast, seedable random generator (xoshiro256**) whose whole state can be saved and
// restored, so a resumed run draws exactly the numbers an uninterrupted run would. System.Random
// cannot do that, which is why the engine has its own.
namespace Engine;

/// <summary>A seedable xoshiro256** generator whose whole state can be saved and restored.</summary>
public sealed class Rng
{
    private ulong s0, s1, s2, s3;

    /// <summary>A generator seeded by seed (through splitmix64, as the algorithm's authors advise).</summary>
    public Rng(ulong seed)
    {
        // SplitMix64 spreads one seed over the four state words (the generator's authors' recommendation).
        ulong x = seed;
        s0 = SplitMix(ref x); s1 = SplitMix(ref x); s2 = SplitMix(ref x); s3 = SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextULong() => Step(ref s0, ref s1, ref s2, ref s3);

    /// <summary>Fills destination with the next random words: the same as calling NextULong once per element, with the state kept in registers.</summary>
    public void NextULongs(Span<ulong> destination)
    {
        ulong a = s0, b = s1, c = s2, d = s3;
        for (int i = 0; i < destination.Length; i++) destination[i] = Step(ref a, ref b, ref c, ref d);
        (s0, s1, s2, s3) = (a, b, c, d);
    }

    /// <summary>One xoshiro256** step on the state (a, b, c, d): its output word, and the state advanced.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static ulong Step(ref ulong a, ref ulong b, ref ulong c, ref ulong d)
    {
        ulong result = RotateLeft(b * 5, 7) * 9;
        ulong t = b << 17;
        c ^= a; d ^= b; b ^= c; a ^= d;
        c ^= t;
        d = RotateLeft(d, 45);
        return result;
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [lo, hi).</summary>
    public double Uniform(double lo, double hi) => lo + (hi - lo) * NextDouble();

    /// <summary>Uniform integer in [0, n), without modulo bias.</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "upper bound must be positive");
        ulong limit = ulong.MaxValue - ulong.MaxValue % (ulong)n;
        ulong r;
        do r = NextULong(); while (r >= limit);
        return (int)(r % (ulong)n);
    }

    /// <summary>Standard normal by Box-Muller (one value per call; the partner value is discarded to keep the state simple).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(); // in (0, 1]
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>The whole state, for checkpoints.</summary>
    public ulong[] SaveState() => [s0, s1, s2, s3];

    /// <summary>Restores a state from SaveState.</summary>
    public void LoadState(ulong[] state)
    {
        if (state.Length != 4 || (state[0] | state[1] | state[2] | state[3]) == 0)
            throw new ArgumentException("an Rng state is four words, not all zero");
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3]);
    }
}
