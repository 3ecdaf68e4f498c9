using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PipeWatch.Tests.Support;

/// <summary>
/// A certificate authority made for one test and a server certificate it signed for 127.0.0.1 (and localhost), written as PEM files
/// the daemons read (rsyslog's gtls driver, aiosmtpd through Python's ssl); and a second, unrelated CA for the refusals.
/// </summary>
internal sealed class TestCertificates
{
    public TestCertificates(TempFolder folder)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=PipeWatch Test CA, O=PipeWatch tests", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(2));

        using var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        serverRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var server = serverRequest.Create(ca, now.AddDays(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(12));

        using var otherKey = RSA.Create(2048);
        var otherRequest = new CertificateRequest("CN=Some Other CA", otherKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        otherRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var other = otherRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(2));

        CaFile = folder.File("ca.pem");
        ServerCertificateFile = folder.File("server-cert.pem");
        ServerKeyFile = folder.File("server-key.pem");
        OtherCaFile = folder.File("other-ca.pem");
        File.WriteAllText(CaFile, ca.ExportCertificatePem() + "\n");
        File.WriteAllText(ServerCertificateFile, server.ExportCertificatePem() + "\n");
        File.WriteAllText(ServerKeyFile, serverKey.ExportPkcs8PrivateKeyPem() + "\n");
        File.WriteAllText(OtherCaFile, other.ExportCertificatePem() + "\n");
    }

    /// <summary>The test CA's certificate: what a route's <c>ca-file</c> names.</summary>
    public string CaFile { get; }

    public string ServerCertificateFile { get; }

    public string ServerKeyFile { get; }

    /// <summary>A CA that signed nothing the servers present.</summary>
    public string OtherCaFile { get; }
}
