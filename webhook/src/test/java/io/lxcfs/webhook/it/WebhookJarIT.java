package io.lxcfs.webhook.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lxcfs.testing.FreePort;
import io.lxcfs.testing.HttpsClient;
import io.lxcfs.testing.ProcessWait;
import io.lxcfs.testing.RepoLayout;
import io.lxcfs.testing.ServiceProcess;
import io.lxcfs.webhook.Fixtures;
import io.lxcfs.webhook.Reviews;
import io.lxcfs.webhook.tls.Certificates;

/**
 * The packaged application started through webhook/bin/lxcfs-webhook, as `make run` and a container would: local
 * mode without a cluster (the CA file it logs works with a strict client), and files mode (cert-manager) picking up a
 * rotated certificate without a restart.
 */
class WebhookJarIT {
    static final Duration START = Duration.ofSeconds(90);
    ServiceProcess process;
    Path log;

    @AfterEach
    void stop() throws InterruptedException {
        if (process != null) {
            process.stop();
        }
    }

    void start(Path dir, int port, String... props) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(RepoLayout.webhookScript().toString()));
        cmd.add("-Dquarkus.http.ssl-port=" + port);
        cmd.add("-Dquarkus.http.host=127.0.0.1");
        cmd.addAll(List.of(props));
        log = dir.resolve("webhook.log");
        process = ServiceProcess.start("webhook", cmd, Map.of(
                "LXCFS_WEBHOOK_JAR", RepoLayout.webhookJar().toString(),
                "HOME", dir.toString(), // no ~/.kube/config: no cluster
                "KUBERNETES_SERVICE_HOST", "",
                "KUBECONFIG", ""), log);
    }

    /** Waits for a condition on the process's observable state (log line, served certificate), failing on timeout. */
    void await(String what, Duration timeout, ProcessWait.Check condition) throws Exception {
        process.await(what, timeout, Duration.ofMillis(100), condition);
    }

    void awaitStarted() throws Exception {
        await("start", START, () -> process.log().contains("Listening on: https://127.0.0.1:"));
    }

    static void assertMutates(HttpsClient https) {
        HttpsClient.Reply r = https.post("/mutate", Reviews.podCreate(Fixtures.json("deployment-pod.json"), "shop").toString());
        assertEquals(200, r.status(), r.body());
        assertEquals("JSONPatch", r.json().at("/response/patchType").asText());
    }

    @Test
    void localModeWithoutAClusterServesTheLoggedCertificate(@TempDir Path dir) throws Exception {
        int port = FreePort.find();
        start(dir, port, "-Dlxcfs.webhook.tls.local-dir=" + dir.resolve("tls"));
        awaitStarted();
        String logText = Files.readString(log);
        Path ca = dir.resolve("tls").resolve("ca.crt");
        assertTrue(logText.contains("CA certificate: " + ca), logText);
        assertTrue(logText.contains("running without ProcViewPolicy objects"), logText);
        HttpsClient https = new HttpsClient(Files.readString(ca), URI.create("https://127.0.0.1:" + port + "/"));
        assertMutates(https);
        assertEquals(200, https.get("/q/health/ready").status());
    }

    @Test
    void filesModeReloadsARotatedCertificate(@TempDir Path dir) throws Exception {
        Path crt = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        Certificates.Issued ca1 = Certificates.newCa("cert-manager-ca-1", Instant.now(), Duration.ofDays(1));
        write(ca1, crt, key);
        int port = FreePort.find();
        start(dir, port, "-Dlxcfs.webhook.tls.mode=files", "-Dlxcfs.webhook.tls.cert-file=" + crt,
                "-Dlxcfs.webhook.tls.key-file=" + key, "-Dlxcfs.webhook.tls.check-interval=PT0.2S");
        awaitStarted();
        URI base = URI.create("https://127.0.0.1:" + port + "/");
        assertMutates(new HttpsClient(Certificates.pem(ca1.certificate()), base));

        // cert-manager renews: new key, new certificate (here even from a new CA)
        Certificates.Issued ca2 = Certificates.newCa("cert-manager-ca-2", Instant.now(), Duration.ofDays(1));
        X509Certificate next = write(ca2, crt, key);
        // Poll with fresh handshakes: every one must succeed, first with the old certificate, then with the new one.
        await("serve the rotated certificate", Duration.ofSeconds(30), () -> next.equals(HttpsClient.presented("127.0.0.1", port)));
        assertMutates(new HttpsClient(Certificates.pem(ca2.certificate()), base));
    }

    static X509Certificate write(Certificates.Issued ca, Path crt, Path key) throws IOException {
        Certificates.Issued leaf = Certificates.newServing(ca, List.of("localhost", "127.0.0.1"), Instant.now(),
                Duration.ofHours(1));
        Path tmpKey = key.resolveSibling("key.tmp");
        Path tmpCrt = crt.resolveSibling("crt.tmp");
        Files.writeString(tmpKey, Certificates.pem(leaf.key()));
        Files.writeString(tmpCrt, Certificates.pem(leaf.certificate(), ca.certificate()));
        Files.move(tmpKey, key, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Files.move(tmpCrt, crt, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return leaf.certificate();
    }
}
