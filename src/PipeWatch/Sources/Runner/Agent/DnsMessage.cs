using System.Net;
using System.Text;

namespace PipeWatch.Sources.Runner.Agent;

/// <summary>The parts of a DNS message (RFC 1035) the agent records: the question, and the A/AAAA answers of a response.</summary>
/// <remarks>Reads untrusted bytes: every offset is checked, name compression is followed at most 16 times, at most 64 answers are read.</remarks>
internal sealed record DnsMessage(bool IsResponse, string Name, string Type, IReadOnlyList<string> Addresses)
{
    private const int MaxAnswers = 64;

    /// <summary>Parses a message; <paramref name="tcp"/> skips the two-byte length that DNS over TCP puts first. Null when it is not a DNS message with one question.</summary>
    public static DnsMessage? Parse(ReadOnlySpan<byte> data, bool tcp = false)
    {
        if (tcp)
        {
            if (data.Length < 2) return null;
            data = data[2..];
        }

        if (data.Length < 12) return null;
        var flags = (data[2] << 8) | data[3];
        var questions = (data[4] << 8) | data[5];
        var answers = (data[6] << 8) | data[7];
        if (questions != 1 || ((flags >> 11) & 0xF) != 0) return null;
        var offset = 12;
        var name = ReadName(data, ref offset);
        if (name is null || offset + 4 > data.Length) return null;
        var type = (data[offset] << 8) | data[offset + 1];
        offset += 4;
        var response = (flags & 0x8000) != 0;
        var addresses = new List<string>();
        for (var i = 0; i < Math.Min(answers, MaxAnswers) && response; i++)
        {
            if (ReadName(data, ref offset) is null || offset + 10 > data.Length) break;
            var answerType = (data[offset] << 8) | data[offset + 1];
            var length = (data[offset + 8] << 8) | data[offset + 9];
            offset += 10;
            if (offset + length > data.Length) break;
            if ((answerType == 1 && length == 4) || (answerType == 28 && length == 16))
            {
                addresses.Add(new IPAddress(data.Slice(offset, length)).ToString());
            }

            offset += length;
        }

        return new DnsMessage(response, name, TypeName(type), addresses);
    }

    private static string TypeName(int type) => type switch
    {
        1 => "A",
        2 => "NS",
        5 => "CNAME",
        12 => "PTR",
        15 => "MX",
        16 => "TXT",
        28 => "AAAA",
        33 => "SRV",
        65 => "HTTPS",
        _ => type.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string? ReadName(ReadOnlySpan<byte> data, ref int offset)
    {
        var name = new StringBuilder();
        var position = offset;
        var jumped = false;
        for (var jumps = 0; jumps <= 16;)
        {
            if (position >= data.Length) return null;
            var length = data[position];
            if (length == 0)
            {
                if (!jumped) offset = position + 1;
                return name.Length == 0 ? "." : name.ToString().ToLowerInvariant();
            }

            if ((length & 0xC0) == 0xC0)
            {
                if (position + 1 >= data.Length) return null;
                if (!jumped) offset = position + 2;
                jumped = true;
                jumps++;
                position = ((length & 0x3F) << 8) | data[position + 1];
                continue;
            }

            if ((length & 0xC0) != 0 || position + 1 + length > data.Length || name.Length > 255) return null;
            if (name.Length > 0) name.Append('.');
            foreach (var b in data.Slice(position + 1, length))
            {
                name.Append(b is > 0x20 and < 0x7F ? (char)b : '?');
            }

            position += 1 + length;
        }

        return null;
    }
}
