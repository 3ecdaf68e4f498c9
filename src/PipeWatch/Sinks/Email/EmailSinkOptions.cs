namespace PipeWatch.Sinks.Email;

/// <summary>Settings of <c>sink: email</c>: the SMTP server, its security (starttls, tls, none), the login (a secret), sender and recipients.</summary>
internal sealed record EmailSinkOptions
{
    public static IReadOnlyList<string> SecurityModes { get; } = ["starttls", "tls", "none"];

    public string Host { get; init; } = "";

    /// <summary>587 for starttls, 465 for tls, 25 for none when not given.</summary>
    public int? Port { get; init; }

    public string Security { get; init; } = "starttls";

    public string? Username { get; init; }

    public string? Password { get; init; }

    public string From { get; init; } = "";

    public IReadOnlyList<string> To { get; init; } = [];

    public string SubjectPrefix { get; init; } = "[PipeWatch]";

    /// <summary>A PEM file of the CA that signed the server's certificate (starttls, tls), instead of the system's trust store.</summary>
    public string? CaFile { get; init; }
}
