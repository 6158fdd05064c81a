package io.lxcfs.webhook.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;

/** Serving material into a kubernetes.io/tls Secret and back, and the Secrets that hold none. */
class TlsSecretCodecTest {
    private static final Duration H = Duration.ofHours(1);
    private final ServingMaterial generated = new ServingIssuer(new RotationPolicy(H.multipliedBy(3), H,
            Duration.ofMinutes(10)), Clock.systemUTC()).issue(null, List.of("lxcfs-webhook"), Instant.now());

    private static Secret secret(Map<String, String> data) {
        return new SecretBuilder().withNewMetadata().withName("tls").endMetadata().withData(data).build();
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void generatedMaterialRoundTripsWithItsCaAndCaKey() {
        Map<String, String> data = TlsSecretCodec.encode(generated);
        assertEquals(Set.of("tls.crt", "tls.key", "ca.crt", "ca.key"), data.keySet());
        assertEquals(generated, TlsSecretCodec.decode(secret(data), true));
    }

    @Test
    void aUserSecretNeedsOnlyTheCertificateAndKey() {
        Secret s = secret(Map.of("tls.crt", b64(generated.certChainPem()), "tls.key", b64(generated.keyPem())));
        assertEquals(new ServingMaterial(generated.certChainPem(), generated.keyPem(), null, null),
                TlsSecretCodec.decode(s, false));
        assertNull(TlsSecretCodec.decode(s, true), "not enough to issue from");
        assertEquals(Set.of("tls.crt", "tls.key"),
                TlsSecretCodec.encode(new ServingMaterial(generated.certChainPem(), generated.keyPem(), null, null)).keySet());
    }

    @Test
    void stringDataIsReadAndWinsOverData() {
        Secret s = new SecretBuilder(secret(Map.of("tls.crt", b64("garbage"), "tls.key", b64(generated.keyPem()))))
                .withStringData(Map.of("tls.crt", generated.certChainPem())).build();
        assertEquals(generated.certChainPem(), TlsSecretCodec.decode(s, false).certChainPem());
    }

    @Test
    void secretsWithoutUsableMaterialDecodeToNull() {
        assertNull(TlsSecretCodec.decode(new SecretBuilder().withNewMetadata().withName("empty").endMetadata().build(), false));
        assertNull(TlsSecretCodec.decode(secret(Map.of("tls.crt", b64(generated.certChainPem()))), false), "no key");
        assertNull(TlsSecretCodec.decode(secret(Map.of("tls.crt", b64("not a certificate"), "tls.key",
                b64(generated.keyPem()))), false), "unreadable certificate");
        ServingMaterial other = new ServingIssuer(new RotationPolicy(H.multipliedBy(3), H, Duration.ofMinutes(10)),
                Clock.systemUTC()).issue(null, List.of("lxcfs-webhook"), Instant.now());
        assertNull(TlsSecretCodec.decode(secret(Map.of("tls.crt", b64(generated.certChainPem()), "tls.key",
                b64(other.keyPem()))), false), "a key of another certificate (a rotation caught half-way)");
    }
}
