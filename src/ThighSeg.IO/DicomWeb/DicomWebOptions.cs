namespace ThighSeg.IO.DicomWeb;

/// <summary>How to reach a DICOMweb server (QIDO-RS, WADO-RS, STOW-RS). Immutable; validated by <see cref="Validate"/>.</summary>
public sealed record DicomWebOptions
{
    /// <summary>The DICOMweb root, e.g. <c>http://127.0.0.1:8042/dicom-web</c> (http or https).</summary>
    public required Uri BaseUri { get; init; }

    /// <summary>User name for HTTP basic authentication, or null for none.</summary>
    public string? UserName { get; init; }

    /// <summary>Password for HTTP basic authentication (with <see cref="UserName"/>).</summary>
    public string? Password { get; init; }

    /// <summary>Time allowed for each request, from sending it to the end of the answer.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>A PEM or DER file holding the certificate authority (or self-signed server certificate) to trust for https, or null for the system's trust store.</summary>
    public string? CaCertificateFile { get; init; }

    /// <summary>Accept any https server certificate (testing only: it disables server authentication).</summary>
    public bool AllowUntrustedCertificates { get; init; }

    /// <summary>Checks every value.</summary>
    /// <exception cref="ArgumentException">A value that cannot work; the message names the property and the value.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(BaseUri, nameof(BaseUri));
        if (!BaseUri.IsAbsoluteUri || (BaseUri.Scheme != Uri.UriSchemeHttp && BaseUri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"{nameof(BaseUri)} '{BaseUri}' must be an absolute http or https URL.", nameof(BaseUri));
        }
        if (!string.IsNullOrEmpty(BaseUri.Query) || !string.IsNullOrEmpty(BaseUri.Fragment))
        {
            throw new ArgumentException($"{nameof(BaseUri)} '{BaseUri}' must not have a query or fragment.", nameof(BaseUri));
        }
        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromHours(24))
        {
            throw new ArgumentException($"{nameof(Timeout)} must be between 0 and 24 hours, got {Timeout}.", nameof(Timeout));
        }
        if ((UserName is null) != (Password is null))
        {
            throw new ArgumentException($"{nameof(UserName)} and {nameof(Password)} must be given together.", UserName is null ? nameof(UserName) : nameof(Password));
        }
        if (UserName is not null && UserName.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException($"{nameof(UserName)} '{UserName}' must not contain ':' (HTTP basic authentication).", nameof(UserName));
        }
        if (CaCertificateFile is not null && !File.Exists(CaCertificateFile))
        {
            throw new ArgumentException($"{nameof(CaCertificateFile)} '{CaCertificateFile}' does not exist.", nameof(CaCertificateFile));
        }
        if (CaCertificateFile is not null && AllowUntrustedCertificates)
        {
            throw new ArgumentException($"{nameof(CaCertificateFile)} and {nameof(AllowUntrustedCertificates)} exclude each other.", nameof(AllowUntrustedCertificates));
        }
    }
}
