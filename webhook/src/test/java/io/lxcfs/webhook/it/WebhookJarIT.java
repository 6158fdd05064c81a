package io.lxcfs.webhook.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.lxcfs.webhook.Fixtures;
import io.lxcfs.webhook.Https;
import io.lxcfs.webhook.Reviews;
import io.lxcfs.webhook.tls.Certificates;

/**
 * The packaged application started through webhook/bin/lxcfs-webhook, as `make run` and a container would: local
 * mode without a cluster (the CA file it logs works with a strict client), and files mode (cert-manager) picking up a
 * rotated certificate without a restart.
 */
class WebhookJarIT {
    static final Duration START = Duration.ofSeconds(90);
    Process process;
    Path log;

    @AfterEach
    void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    void start(Path dir, int port, String... props) throws IOException {
        String script = System.getProperty("lxcfs.webhook.script", "bin/lxcfs-webhook");
        List<String> cmd = new ArrayList<>(List.of(script));
        cmd.add("-Dquarkus.http.ssl-port=" + port);
        cmd.add("-Dquarkus.http.host=127.0.0.1");
        cmd.addAll(List.of(props));
        log = dir.resolve("webhook.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("LXCFS_WEBHOOK_JAR", System.getProperty("lxcfs.webhook.jar",
                "target/quarkus-app/quarkus-run.jar"));
        pb.environment().put("HOME", dir.toString()); // no ~/.kube/config: no cluster
        pb.environment().remove("KUBERNETES_SERVICE_HOST");
        pb.environment().remove("KUBECONFIG");
        process = pb.start();
    }

    /** Waits for a condition on the process's observable state (log line, served certificate), failing on timeout. */
    void await(String what, Duration timeout, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(process.isAlive(), "webhook exited: " + Files.readString(log));
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what + ": " + Files.readString(log));
            try {
                process.onExit().get(100, TimeUnit.MILLISECONDS); // returns early only if the process dies
            } catch (java.util.concurrent.TimeoutException stillRunning) {
                // check again
            }
        }
    }

    boolean logContains(String s) {
        try {
            return Files.readString(log).contains(s);
        } catch (IOException e) {
            return false;
        }
    }

    void awaitStarted() throws Exception {
        await("start", START, () -> logContains("Listening on: https://127.0.0.1:"));
    }

    static void assertMutates(Https https) {
        Https.Reply r = https.post("/mutate", Reviews.podCreate(Fixtures.json("deployment-pod.json"), "shop").toString());
        assertEquals(200, r.status(), r.body());
        assertEquals("JSONPatch", r.json().at("/response/patchType").asText());
    }

    @Test
    void localModeWithoutAClusterServesTheLoggedCertificate(@TempDir Path dir) throws Exception {
        int port = freePort();
        start(dir, port, "-Dlxcfs.webhook.tls.local-dir=" + dir.resolve("tls"));
        awaitStarted();
        String logText = Files.readString(log);
        Path ca = dir.resolve("tls").resolve("ca.crt");
        assertTrue(logText.contains("CA certificate: " + ca), logText);
        assertTrue(logText.contains("running without ProcViewPolicy objects"), logText);
        Https https = new Https(Files.readString(ca), URI.create("https://127.0.0.1:" + port + "/"));
        assertMutates(https);
        assertEquals(200, https.get("/q/health/ready").status());
    }

    @Test
    void filesModeReloadsARotatedCertificate(@TempDir Path dir) throws Exception {
        Path crt = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        Certificates.Issued ca1 = Certificates.newCa("cert-manager-ca-1", Instant.now(), Duration.ofDays(1));
        write(ca1, crt, key);
        int port = freePort();
        start(dir, port, "-Dlxcfs.webhook.tls.mode=files", "-Dlxcfs.webhook.tls.cert-file=" + crt,
                "-Dlxcfs.webhook.tls.key-file=" + key, "-Dlxcfs.webhook.tls.check-interval=PT0.2S");
        awaitStarted();
        URI base = URI.create("https://127.0.0.1:" + port + "/");
        assertMutates(new Https(Certificates.pem(ca1.certificate()), base));

        // cert-manager renews: new key, new certificate (here even from a new CA)
        Certificates.Issued ca2 = Certificates.newCa("cert-manager-ca-2", Instant.now(), Duration.ofDays(1));
        X509Certificate next = write(ca2, crt, key);
        // Poll with fresh handshakes: every one must succeed, first with the old certificate, then with the new one.
        await("the rotated certificate", Duration.ofSeconds(30), () -> next.equals(Https.presented("127.0.0.1", port)));
        assertMutates(new Https(Certificates.pem(ca2.certificate()), base));
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
