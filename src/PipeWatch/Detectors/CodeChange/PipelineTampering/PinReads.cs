using System.Runtime.CompilerServices;
using PipeWatch.Detectors.CodeChange.Workflows;

namespace PipeWatch.Detectors.CodeChange.PipelineTampering;

/// <summary>
/// The pin each <c>uses:</c> value reads as (<see cref="PinTagMismatchCheck.Read"/>), remembered per value: the versions a
/// dependency bot's bumps derive keep every step they did not reach as the same objects, so each pin of a history is read once,
/// not once per version.
/// </summary>
/// <remarks>
/// The read is a pure function of the value's text and of its line's text; the line is kept with it and compared, so a value met
/// again on another line text is read again. Held as long as the value is (weakly). Thread-safe.
/// </remarks>
internal sealed class PinReads
{
    private readonly ConditionalWeakTable<CiText, Read> _reads = [];

    /// <summary>The pin <paramref name="uses"/>, written on <paramref name="line"/>, reads as; null when it is no SHA pin with a version comment.</summary>
    public ActionPin? Of(CiText uses, string line)
    {
        if (_reads.TryGetValue(uses, out var held) && string.Equals(held.Line, line, StringComparison.Ordinal)) return held.Pin;
        var pin = PinTagMismatchCheck.Read(uses.Value, line);
        _reads.AddOrUpdate(uses, new Read(line, pin));
        return pin;
    }

    private sealed record Read(string Line, ActionPin? Pin);
}
