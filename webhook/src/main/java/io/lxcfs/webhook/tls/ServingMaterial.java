package io.lxcfs.webhook.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * What the HTTPS server serves (leaf chain and key, PEM) plus the CA bundle clients should trust, and the CA key
 * when the webhook issues its own certificates.
 */
public record ServingMaterial(String certChainPem, String keyPem, String caBundlePem, String caKeyPem) {

    public X509Certificate leaf() {
        return Certificates.parseCertificates(certChainPem).get(0);
    }

    public Instant leafNotAfter() {
        return leaf().getNotAfter().toInstant();
    }

    public List<X509Certificate> caCertificates() {
        return caBundlePem == null || caBundlePem.isBlank() ? List.of() : Certificates.parseCertificates(caBundlePem);
    }

    public PrivateKey key() {
        return Certificates.parsePrivateKey(keyPem);
    }

    /** Throws when the certificate or key cannot be read or do not belong together. */
    public ServingMaterial validate() {
        if (!Certificates.matches(key(), leaf())) {
            throw new IllegalArgumentException("the private key does not belong to the certificate");
        }
        caCertificates();
        return this;
    }

    /** Same leaf and key (what the server presents). */
    public boolean sameServing(ServingMaterial other) {
        return other != null && certChainPem.equals(other.certChainPem) && keyPem.equals(other.keyPem);
    }
}
