using System.IO.Hashing;
using System.Text;
using PipeWatch.Baselines;

namespace PipeWatch.Detectors.Pipeline;

/// <summary>The learned step sequence of one job, the variants seen, and a candidate that replaces it once it repeats.</summary>
internal sealed class StepSequence : IBaseline<StepSequence>
{
    private const int MaxKnownVariants = 64;

    private readonly HashSet<ulong> _known = [];

    /// <summary>Repository: keyed by repository, pipeline and job.</summary>
    public static BaselineScope Scope => BaselineScope.Repository;

    public static byte FormatVersion => 1;

    /// <summary>The sequence normal runs follow; empty before the first run.</summary>
    public IReadOnlyList<string> Learned { get; private set; } = [];

    /// <summary>Completed runs observed.</summary>
    public int Samples { get; private set; }

    private IReadOnlyList<string> Candidate { get; set; } = [];

    private int CandidateRepeats { get; set; }

    public static StepSequence Create() => new();

    /// <summary>A 64-bit hash of the sequence: each name's UTF-8 bytes and length, in order.</summary>
    public static ulong Hash(IReadOnlyList<string> steps)
    {
        var hash = new XxHash3();
        Span<byte> length = stackalloc byte[4];
        foreach (var step in steps)
        {
            hash.Append(Encoding.UTF8.GetBytes(step));
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, step.Length);
            hash.Append(length);
        }

        return hash.GetCurrentHashAsUInt64();
    }

    /// <summary>True when this exact sequence was seen before (learned or as a variant).</summary>
    public bool IsKnown(IReadOnlyList<string> steps) => IsKnown(Hash(steps));

    /// <summary>Records a run's sequence; a variant seen <paramref name="adoptAfter"/> times in a row becomes the learned one.</summary>
    public void Observe(IReadOnlyList<string> steps, int adoptAfter) => Observe(steps, Hash(steps), adoptAfter);

    /// <summary>True when the sequence with this <see cref="Hash"/> was seen before (learned or as a variant).</summary>
    public bool IsKnown(ulong hash) => _known.Contains(hash);

    /// <summary>Records a run's sequence (with its <see cref="Hash"/>); a variant seen <paramref name="adoptAfter"/> times in a row becomes the learned one.</summary>
    public void Observe(IReadOnlyList<string> steps, ulong hash, int adoptAfter)
    {
        Samples++;
        if (_known.Count < MaxKnownVariants) _known.Add(hash);
        if (Learned.Count == 0 || Learned.SequenceEqual(steps, StringComparer.Ordinal))
        {
            Learned = steps;
            Candidate = [];
            CandidateRepeats = 0;
            return;
        }

        CandidateRepeats = Candidate.SequenceEqual(steps, StringComparer.Ordinal) ? CandidateRepeats + 1 : 1;
        Candidate = steps;
        if (CandidateRepeats >= adoptAfter)
        {
            Learned = steps;
            Candidate = [];
            CandidateRepeats = 0;
        }
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(Samples);
        WriteList(writer, Learned);
        WriteList(writer, Candidate);
        writer.Write(CandidateRepeats);
        writer.Write(_known.Count);
        foreach (var hash in _known)
        {
            writer.Write(hash);
        }
    }

    public static StepSequence Read(BinaryReader reader)
    {
        var sequence = new StepSequence
        {
            Samples = reader.ReadInt32(),
            Learned = ReadList(reader),
            Candidate = ReadList(reader),
            CandidateRepeats = reader.ReadInt32(),
        };
        var known = reader.ReadInt32();
        for (var i = 0; i < known; i++)
        {
            sequence._known.Add(reader.ReadUInt64());
        }

        return sequence;
    }

    private static void WriteList(BinaryWriter writer, IReadOnlyList<string> items)
    {
        writer.Write(items.Count);
        foreach (var item in items)
        {
            writer.Write(item);
        }
    }

    private static string[] ReadList(BinaryReader reader)
    {
        var items = new string[reader.ReadInt32()];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = reader.ReadString();
        }

        return items;
    }
}
