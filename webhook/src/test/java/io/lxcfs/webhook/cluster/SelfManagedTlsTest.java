package io.lxcfs.webhook.cluster;

import static io.lxcfs.webhook.Fixtures.json;
import static io.lxcfs.webhook.Reviews.podCreate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.lxcfs.testing.HttpsClient;
import io.lxcfs.webhook.config.WebhookConfig.Mode;
import io.lxcfs.webhook.tls.Certificates;
import io.lxcfs.webhook.tls.TlsManager;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * Self-managed TLS against a (mock) API server: the Secret is created, the caBundle written, a client trusting only
 * that CA can call /mutate, and renewal (leaf, then CA) swaps certificates without breaking clients.
 * Test validities: CA 3h, certificate 1h, renew 10 min before expiry; "later" is simulated by passing a later instant
 * to {@link TlsManager#check(Instant)}.
 */
@QuarkusTest
@WithKubernetesTestServer(setup = ClusterSetup.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SelfManagedTlsTest {
    @TestHTTPResource(value = "/", tls = true)
    URL base;
    @Inject
    KubernetesClient client;
    @Inject
    TlsManager tls;

    Secret secret() {
        return client.secrets().inNamespace("test").withName("lxcfs-webhook-tls").get();
    }

    static String decode(Secret s, String key) {
        return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.US_ASCII);
    }

    List<String> caBundles() {
        return client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(ClusterSetup.WEBHOOK_CONFIG)
                .get().getWebhooks().stream().map(MutatingWebhook::getClientConfig)
                .map(c -> c.getCaBundle() == null ? "" : new String(Base64.getDecoder().decode(c.getCaBundle()),
                        StandardCharsets.US_ASCII))
                .toList();
    }

    HttpsClient.Reply admit(HttpsClient https) {
        return https.post("/mutate", podCreate(json("deployment-pod.json"), "shop").toString());
    }

    @Test
    @Order(1)
    void createsTheSecretWritesCaBundleAndServesACertificateFromThatCa() {
        assertEquals(Mode.SELF_MANAGED, tls.effectiveMode());
        Secret s = secret();
        assertNotNull(s, "Secret created");
        assertEquals("kubernetes.io/tls", s.getType());
        for (String k : List.of("tls.crt", "tls.key", "ca.crt", "ca.key")) {
            assertTrue(s.getData().containsKey(k), k);
        }
        String ca = decode(s, "ca.crt");
        assertEquals(List.of(ca, ca), caBundles(), "caBundle of every webhook");

        X509Certificate leaf = Certificates.parseCertificates(decode(s, "tls.crt")).get(0);
        assertTrue(Certificates.covers(leaf, List.of("lxcfs-webhook", "lxcfs-webhook.test", "lxcfs-webhook.test.svc",
                "lxcfs-webhook.test.svc.cluster.local")), "Service DNS names");
        assertEquals(leaf, HttpsClient.presented(base.getHost(), base.getPort()), "the server presents the Secret's certificate");

        HttpsClient.Reply r = admit(new HttpsClient(ca, URI.create(base.toString())));
        assertEquals(200, r.status(), r.body());
        assertTrue(r.json().at("/response/allowed").asBoolean());

        // a client trusting some other CA is refused
        String otherCa = Certificates.pem(Certificates.newCa("other", Instant.now(), Duration.ofHours(1)).certificate());
        assertThrows(AssertionError.class, () -> admit(new HttpsClient(otherCa, URI.create(base.toString()))));
    }

    @Test
    @Order(2)
    void renewsTheCertificateBeforeExpiryWithoutDroppingClients() {
        String ca = decode(secret(), "ca.crt");
        HttpsClient https = new HttpsClient(ca, URI.create(base.toString()));
        assertEquals(200, admit(https).status()); // opens a kept-alive connection
        X509Certificate before = HttpsClient.presented(base.getHost(), base.getPort());

        assertFalse(tls.check(Instant.now()), "nothing due yet");
        assertTrue(tls.check(Instant.now().plus(Duration.ofMinutes(55))), "due 10 minutes before expiry");

        Secret s = secret();
        X509Certificate renewed = Certificates.parseCertificates(decode(s, "tls.crt")).get(0);
        assertNotEquals(before.getSerialNumber(), renewed.getSerialNumber());
        assertEquals(ca, decode(s, "ca.crt"), "same CA: caBundle unchanged");
        assertEquals(List.of(ca, ca), caBundles());
        assertEquals(renewed, HttpsClient.presented(base.getHost(), base.getPort()), "new handshakes get the new certificate");
        assertEquals(200, admit(https).status(), "the existing client keeps working");
        assertEquals(200, admit(new HttpsClient(ca, URI.create(base.toString()))).status());
    }

    @Test
    @Order(3)
    void rotatesTheCaAndKeepsTrustingTheOldOneWhileItIsValid() {
        String oldCa = decode(secret(), "ca.crt");
        // 1h55m later: the certificate is due and the 3h CA would not outlive a new 1h certificate
        assertTrue(tls.check(Instant.now().plus(Duration.ofMinutes(115))));
        Secret s = secret();
        List<X509Certificate> bundle = Certificates.parseCertificates(decode(s, "ca.crt"));
        assertEquals(2, bundle.size(), "new CA first, then the old one");
        assertEquals(Certificates.parseCertificates(oldCa).get(0), bundle.get(1));
        assertEquals(List.of(decode(s, "ca.crt"), decode(s, "ca.crt")), caBundles(), "caBundle updated");
        String newCaOnly = Certificates.pem(bundle.get(0));
        assertEquals(200, admit(new HttpsClient(newCaOnly, URI.create(base.toString()))).status());
    }

    @Test
    @Order(4)
    void adoptsACertificateAnotherReplicaWroteAndRepairsCaBundleDrift() {
        // another replica renewed: the Secret holds a certificate this replica does not serve yet
        Secret s = secret();
        Instant now = Instant.now();
        Certificates.Issued ca = new Certificates.Issued(
                Certificates.parseCertificates(decode(s, "ca.crt")).get(0),
                Certificates.parsePrivateKey(decode(s, "ca.key")));
        Certificates.Issued leaf = Certificates.newServing(ca, tls.serviceNames(), now, Duration.ofMinutes(50));
        client.secrets().inNamespace("test").resource(new SecretBuilder(s)
                .addToData("tls.crt", Base64.getEncoder().encodeToString(Certificates.pem(leaf.certificate())
                        .getBytes(StandardCharsets.US_ASCII)))
                .addToData("tls.key", Base64.getEncoder().encodeToString(Certificates.pem(leaf.key())
                        .getBytes(StandardCharsets.US_ASCII)))
                .build()).update();
        // and someone reset the caBundle
        client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(ClusterSetup.WEBHOOK_CONFIG)
                .edit(m -> {
                    m.getWebhooks().forEach(w -> w.getClientConfig().setCaBundle(null));
                    return m;
                });

        assertTrue(tls.check(Instant.now()));
        assertEquals(leaf.certificate(), HttpsClient.presented(base.getHost(), base.getPort()));
        assertEquals(List.of(decode(s, "ca.crt"), decode(s, "ca.crt")), caBundles());
    }
}
