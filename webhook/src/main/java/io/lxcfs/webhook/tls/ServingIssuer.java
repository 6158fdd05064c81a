package io.lxcfs.webhook.tls;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/** Issues the next generated serving material as the {@link RotationPolicy} says. */
final class ServingIssuer {
    static final String CA_COMMON_NAME = "lxcfs-webhook-ca";

    private final RotationPolicy policy;
    private final Clock clock;

    ServingIssuer(RotationPolicy policy, Clock clock) {
        this.policy = policy;
        this.clock = clock;
    }

    RotationPolicy policy() {
        return policy;
    }

    /**
     * A new serving certificate for {@code names}, signed by the previous CA when the policy allows it, else by a new
     * CA. {@code now} drives the decisions; the certificates are issued from the real clock, so that tests can ask
     * "what if it were later" and still get certificates that are valid now.
     */
    ServingMaterial issue(ServingMaterial previous, List<String> names, Instant now) {
        Instant issueAt = clock.instant();
        List<X509Certificate> previousCas = previous == null ? List.of() : previous.caCertificates();
        Certificates.Issued ca;
        if (previous != null && previous.caKeyPem() != null && !previousCas.isEmpty()
                && policy.canSignNext(previousCas.get(0), now)) {
            ca = new Certificates.Issued(previousCas.get(0), Certificates.parsePrivateKey(previous.caKeyPem()));
        } else {
            ca = Certificates.newCa(CA_COMMON_NAME, issueAt, policy.caValidity());
        }
        Certificates.Issued leaf = Certificates.newServing(ca, names, issueAt, policy.certValidity());
        return new ServingMaterial(Certificates.pem(leaf.certificate()), Certificates.pem(leaf.key()),
                Certificates.pem(policy.bundle(ca.certificate(), previousCas, now)), Certificates.pem(ca.key()));
    }
}
