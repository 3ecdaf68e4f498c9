using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PipeWatch.Sinks.Routing;

/// <summary>A route's <c>ca-file</c>: the PEM certificates of the CA that signed a server's certificate, trusted instead of the system's store.</summary>
internal static class CaFile
{
    /// <summary>The certificates of the file the setting names (relative to the working directory); null when not set.</summary>
    /// <exception cref="RouteException">The file cannot be read as PEM certificates.</exception>
    public static X509Certificate2Collection? Load(string? setting, string route, RouteContext context)
    {
        if (setting is null) return null;
        var path = Path.GetFullPath(context.Resolve(setting, route, "ca-file"), context.WorkingDirectory ?? Directory.GetCurrentDirectory());
        try
        {
            var trust = new X509Certificate2Collection();
            trust.ImportFromPemFile(path);
            return trust.Count > 0 ? trust : throw new RouteException($"alerts route '{route}': ca-file {path}: no certificate in it");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new RouteException($"alerts route '{route}': ca-file {path}: cannot read ({ex.Message})");
        }
    }

    /// <summary>
    /// Whether a server's certificate is valid for the name asked for and chains to one of <paramref name="trust"/>: the TLS stack's
    /// own check (name, presence) stands; only its chain verdict is made again against the given CA.
    /// </summary>
    public static bool Validates(X509Certificate2Collection trust, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        ArgumentNullException.ThrowIfNull(trust);
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(trust);
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }
}
