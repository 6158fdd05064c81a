package io.lxcfs.webhook.tls;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * When a generated certificate is replaced and which CAs sign and are trusted afterwards. Pure: every decision is a
 * function of the certificates and the instant {@code now} it is asked about.
 *
 * <ul>
 *   <li>a serving certificate is renewed {@code renewBefore} its expiry, or at once when it does not cover the names;</li>
 *   <li>the CA is reused unless it would expire before the next certificate is due for renewal itself;</li>
 *   <li>the bundle clients trust holds the signing CA first, then the earlier CAs while they are still valid: other
 *       replicas may still serve certificates those signed.</li>
 * </ul>
 */
public record RotationPolicy(Duration caValidity, Duration certValidity, Duration renewBefore) {

    /** Whether a certificate that expires at {@code notAfter} is due for renewal at {@code now}. */
    public boolean renewalDue(Instant notAfter, Instant now) {
        return notAfter.isBefore(now.plus(renewBefore));
    }

    /** Whether {@code material} must be replaced at {@code now}: absent, not for {@code names}, or due. */
    public boolean needsNew(ServingMaterial material, List<String> names, Instant now) {
        return material == null || !Certificates.covers(material.leaf(), names)
                || renewalDue(material.leafNotAfter(), now);
    }

    /** Whether {@code ca} may sign a certificate issued at {@code now}: it outlives it, renewal margin included. */
    public boolean canSignNext(X509Certificate ca, Instant now) {
        return ca.getNotAfter().toInstant().isAfter(now.plus(certValidity).plus(renewBefore));
    }

    /** The bundle after a certificate signed by {@code signer}: the signer, then the other CAs still valid at now. */
    public List<X509Certificate> bundle(X509Certificate signer, List<X509Certificate> previous, Instant now) {
        List<X509Certificate> bundle = new ArrayList<>(List.of(signer));
        for (X509Certificate c : previous) {
            if (!c.equals(signer) && c.getNotAfter().toInstant().isAfter(now)) {
                bundle.add(c);
            }
        }
        return bundle;
    }
}
