package io.lxcfs.webhook.admission;

import java.net.URI;
import java.net.URL;
import java.nio.file.Files;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;

import io.lxcfs.testing.HttpsClient;
import io.lxcfs.webhook.tls.TlsManager;
import io.quarkus.test.common.http.TestHTTPResource;

/**
 * What a {@code @QuarkusTest} of the running webhook over HTTPS in local TLS mode starts from: its URL and a client
 * that trusts exactly the CA the webhook wrote for local use (the file it logs), as the API server trusts a caBundle.
 */
abstract class OverLocalTls {
    @TestHTTPResource(value = "/", tls = true)
    URL base;
    @Inject
    TlsManager tls;
    HttpsClient https;

    @BeforeEach
    void trustTheLocalCa() throws Exception {
        https = new HttpsClient(Files.readString(tls.localDir().resolve("ca.crt")), URI.create(base.toString()));
    }
}
