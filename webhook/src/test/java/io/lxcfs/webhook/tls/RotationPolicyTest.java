package io.lxcfs.webhook.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The rotation rules, with the validities of the webhook's test profile (CA 3 h, certificate 1 h, renewal 10 min
 * before expiry): when a certificate is due, when the CA is reused, and which CAs the bundle keeps.
 */
class RotationPolicyTest {
    private static final Duration CA = Duration.ofHours(3);
    private static final Duration CERT = Duration.ofHours(1);
    private static final Duration RENEW = Duration.ofMinutes(10);
    private static final List<String> NAMES = List.of("lxcfs-webhook", "lxcfs-webhook.test.svc");

    private final RotationPolicy policy = new RotationPolicy(CA, CERT, RENEW);
    private final Instant now = Instant.now();
    private final ServingIssuer issuer = new ServingIssuer(policy, Clock.systemUTC());

    @Test
    void aCertificateIsDueRenewBeforeItsExpiry() {
        Instant notAfter = now.plus(CERT);
        assertFalse(policy.renewalDue(notAfter, now));
        assertFalse(policy.renewalDue(notAfter, now.plus(Duration.ofMinutes(49))));
        assertTrue(policy.renewalDue(notAfter, now.plus(Duration.ofMinutes(51))));
        assertTrue(policy.renewalDue(notAfter, notAfter.plusSeconds(1)), "an expired one too");
    }

    @Test
    void newMaterialIsNeededWhenAbsentForOtherNamesOrDue() {
        ServingMaterial m = issuer.issue(null, NAMES, now);
        assertTrue(policy.needsNew(null, NAMES, now));
        assertFalse(policy.needsNew(m, NAMES, now));
        assertFalse(policy.needsNew(m, NAMES.subList(0, 1), now), "a subset of the names is covered");
        assertTrue(policy.needsNew(m, List.of("lxcfs-webhook", "other.test.svc"), now), "a name it lacks");
        assertTrue(policy.needsNew(m, NAMES, now.plus(Duration.ofMinutes(55))), "due");
    }

    @Test
    void theCaSignsTheNextCertificateOnlyIfItOutlivesItsRenewal() {
        X509Certificate ca = Certificates.newCa("ca", now, CA).certificate();
        // a certificate issued at t is renewed at t + 50 min; the CA must still be valid then
        assertTrue(policy.canSignNext(ca, now.plus(Duration.ofMinutes(100))));
        assertFalse(policy.canSignNext(ca, now.plus(Duration.ofMinutes(115))), "3 h CA, 1 h 55 min later");
        assertFalse(policy.canSignNext(ca, now.plus(CA)), "expired");
    }

    @Test
    void theBundleHoldsTheSignerFirstThenEarlierCasWhileTheyAreValid() {
        X509Certificate old = Certificates.newCa("old", now, CA).certificate();
        X509Certificate expired = Certificates.newCa("expired", now.minus(CA), Duration.ofMinutes(30)).certificate();
        X509Certificate signer = Certificates.newCa("new", now, CA).certificate();
        assertEquals(List.of(signer, old), policy.bundle(signer, List.of(old, expired), now));
        assertEquals(List.of(signer), policy.bundle(signer, List.of(signer), now), "no duplicate of the signer");
        assertEquals(List.of(signer), policy.bundle(signer, List.of(old), now.plus(CA).plusSeconds(400)),
                "the old CA leaves the bundle once it has expired");
    }

    @Test
    void renewalReusesTheCaWhileItOutlivesTheNextCertificate() {
        ServingMaterial first = issuer.issue(null, NAMES, now);
        ServingMaterial renewed = issuer.issue(first, NAMES, now.plus(Duration.ofMinutes(55)));
        assertNotEquals(first.leaf().getSerialNumber(), renewed.leaf().getSerialNumber());
        assertEquals(first.caBundlePem(), renewed.caBundlePem(), "same CA: the caBundle does not change");
        assertEquals(first.caKeyPem(), renewed.caKeyPem());
        assertEquals(first.caCertificates().get(0).getSubjectX500Principal(), renewed.leaf().getIssuerX500Principal());
        assertTrue(Certificates.covers(renewed.leaf(), NAMES));
    }

    @Test
    void aCaThatWouldExpireFirstIsReplacedAndStaysTrustedBehindTheNewOne() throws Exception {
        ServingMaterial first = issuer.issue(null, NAMES, now);
        X509Certificate oldCa = first.caCertificates().get(0);
        ServingMaterial rotated = issuer.issue(first, NAMES, now.plus(Duration.ofMinutes(115)));
        List<X509Certificate> bundle = rotated.caCertificates();
        assertEquals(2, bundle.size(), "new CA, then the old one");
        assertNotEquals(oldCa, bundle.get(0));
        assertEquals(oldCa, bundle.get(1));
        assertNotEquals(first.caKeyPem(), rotated.caKeyPem());
        rotated.leaf().verify(bundle.get(0).getPublicKey()); // signed by the new CA
        first.leaf().verify(bundle.get(1).getPublicKey()); // replicas still serving the old leaf stay trusted
    }

    @Test
    void certificatesAreIssuedFromTheRealClockWhateverInstantTheDecisionIsFor() {
        ServingMaterial later = issuer.issue(null, NAMES, now.plus(Duration.ofDays(30)));
        assertTrue(later.leaf().getNotBefore().toInstant().isBefore(Instant.now()), "valid now");
        assertTrue(later.leafNotAfter().isBefore(Instant.now().plus(CERT).plusSeconds(60)));
    }
}
