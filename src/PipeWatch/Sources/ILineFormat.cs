using System.Diagnostics.CodeAnalysis;
using PipeWatch.Events;

namespace PipeWatch.Sources;

/// <summary>One plain-text log format, one record a line (the Jenkins Audit Trail log): recognizes a line and maps it to an event.</summary>
/// <remarks>Stateless and thread-safe. A line it cannot use is a false return with a reason, never an exception.</remarks>
internal interface ILineFormat
{
    /// <summary>The id of the format, kebab-case, e.g. <c>jenkins-audit-trail</c>.</summary>
    string Id { get; }

    /// <summary>True when the line looks like this format (cheap: used on the first non-blank line of a file to pick its reader).</summary>
    bool Recognizes(string line);

    /// <summary>Maps one non-blank line to its event, or says why it cannot.</summary>
    bool TryRead(string line, Origin origin, [NotNullWhen(true)] out Event? e, [NotNullWhen(false)] out string? reason);
}
